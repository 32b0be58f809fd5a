"""The language server (`policydsl lsp`): diagnostics, hover, completion, navigation,
rename, formatting, code lenses and inlay hints for `.pol` files. Only `server.py`
imports pygls (the `lsp` extra)."""
