"""`policydsl completion bash|zsh|fish`: a shell completion script, built from the
command line's own parsers so it never falls out of step with them.

    eval "$(policydsl completion bash)"        # in ~/.bashrc
    eval "$(policydsl completion zsh)"         # in ~/.zshrc
    policydsl completion fish > ~/.config/fish/completions/policydsl.fish
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys

SHELLS = ("bash", "zsh", "fish")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("shell", choices=SHELLS)


def _commands() -> dict[str, tuple[str, list[tuple[list[str], tuple[str, ...] | None, str, bool]]]]:
    """name -> (help, [(option strings, choices, help, takes a value)])."""
    from policydsl.cli import COMMANDS

    out = {}
    for name, help_ in COMMANDS.items():
        p = argparse.ArgumentParser(add_help=True)
        importlib.import_module(f"policydsl.commands.{name}").add_arguments(p)
        options = []
        for action in p._actions:
            if action.option_strings:
                choices = tuple(str(c) for c in action.choices) if action.choices else None
                options.append((list(action.option_strings), choices, action.help or "", action.nargs != 0))
            elif action.choices and name == "completion":
                options.append(([], tuple(action.choices), "", True))
        out[name] = (help_, options)
    return out


def _word(text: str) -> str:
    """Text safe inside single quotes in every shell (the help texts are ours, but be exact)."""
    return re.sub(r"[^\w .,;:()/+=<>-]", "", text).replace("'", "")


def bash() -> str:
    commands = _commands()
    cases, value_cases = [], []
    for name, (_, options) in commands.items():
        flags = " ".join(o for opts, _, _, _ in options for o in opts)
        positional = next((c for opts, c, _, _ in options if not opts and c), None)
        cases.append(f"    {name}) opts='{flags}'; positional='{' '.join(positional or ())}' ;;")
        for opts, choices, _, _ in options:
            if opts and choices:
                keys = "|".join(f"{name}:{o}" for o in opts)
                value_cases.append(f"    {keys}) COMPREPLY=( $(compgen -W '{' '.join(choices)}' -- \"$cur\") ); return ;;")
    return f"""# bash completion for policydsl
_policydsl() {{
  local cur prev cmd opts positional
  cur="${{COMP_WORDS[COMP_CWORD]}}"
  prev="${{COMP_WORDS[COMP_CWORD-1]}}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W '{' '.join(commands)} --help --version' -- "$cur") )
    return
  fi
  cmd="${{COMP_WORDS[1]}}"
  case "$cmd" in
{chr(10).join(cases)}
  esac
  case "$cmd:$prev" in
{chr(10).join(value_cases)}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$opts --help" -- "$cur") )
  elif [ -n "$positional" ]; then
    COMPREPLY=( $(compgen -W "$positional" -- "$cur") )
  else
    COMPREPLY=( $(compgen -f -- "$cur") )
  fi
}}
complete -o filenames -o bashdefault -F _policydsl policydsl
"""


def zsh() -> str:
    # zsh runs the bash function through its bash-completion layer.
    return "# zsh completion for policydsl\nautoload -U +X bashcompinit && bashcompinit\n" + bash()


def fish() -> str:
    lines = ["# fish completion for policydsl", "complete -c policydsl -f"]
    for name, (help_, options) in _commands().items():
        lines.append(f"complete -c policydsl -n '__fish_use_subcommand' -a {name} -d '{_word(help_)}'")
        seen = f"'__fish_seen_subcommand_from {name}'"
        has_positional_choices = False
        for opts, choices, help_text, takes in options:
            if not opts:
                lines.append(f"complete -c policydsl -n {seen} -xa '{' '.join(choices or ())}'")
                has_positional_choices = True
                continue
            flags = " ".join(f"-l {o[2:]}" if o.startswith("--") else f"-s {o[1:]}" for o in opts)
            value = f" -xa '{' '.join(choices)}'" if choices else (" -r" if takes else "")
            lines.append(f"complete -c policydsl -n {seen} {flags}{value} -d '{_word(help_text)}'")
        if not has_positional_choices:
            lines.append(f"complete -c policydsl -n {seen} -F")
    return "\n".join(lines) + "\n"


def run(args) -> int:
    sys.stdout.write({"bash": bash, "zsh": zsh, "fish": fish}[args.shell]())
    return 0
