"""The policy as text again: its canonical format (`fmt`), its HTML and Markdown
document (`render`), and its worked examples run as tests (`worked_examples`)."""
