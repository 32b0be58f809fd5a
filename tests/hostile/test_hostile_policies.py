"""A corpus of hostile policies, each with the exact first diagnostic `check` must give.

`policies/NAME.pol` is checked from inside `policies/`; `NAME.expected` holds the first
`file:line:col: severity: message` line, or `ok` when the policy must be accepted.
`NAME.xfail` marks a known bug and says what it is. Policies too large to keep in the
repository are generated below and compared the same way.

Regenerate the expected lines after a deliberate change of wording:
    python -m pytest --update-golden tests/hostile
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.fuzz.harness import problems, run_cli

HERE = Path(__file__).parent / "policies"
_DIAGNOSTIC = re.compile(r"^\S.*?: (error|warning): .*$", re.M)

_H = "policy p\nperiod 2023 to 2025\nfact x: integer\n"
GENERATED = {
    "too_big.pol": lambda: _H + "# " + "x" * 500_000 + "\n",
    "too_many_declarations.pol": lambda: _H + 'note "n"\n' * 2_001,
    "too_many_set_members.pol": lambda: _H + "set s = {" + ", ".join(f'"v{i}"' for i in range(10_001)) + "}\n",
    # An error right after a 100,000-letter string: the hint search was quadratic and took a minute.
    "long_string_before_an_error.pol": lambda: _H + 'fact y: integer "' + "长" * 100_000 + '" person\n',
    "at_the_depth_limit.pol": lambda: _H + "rule r\n  clause C1\n  must " + "-" * 98 + "x >= 1\n",
    "just_past_the_depth_limit.pol": lambda: _H + "rule r\n  clause C1\n  must " + "-" * 100 + "x >= 1\n",
}


def _cases() -> list[str]:
    return sorted([p.name for p in HERE.glob("*.pol")] + list(GENERATED))


def _first_diagnostic(rc: int, out: str, err: str) -> str:
    m = _DIAGNOSTIC.search(err)
    if rc == 0 and (m is None or m.group(1) == "warning"):
        return "ok" if m is None else m.group(0)
    return m.group(0) if m else f"exit {rc} without a diagnostic"


@pytest.mark.parametrize("name", _cases())
def test_hostile_policy_gets_its_expected_first_diagnostic(name: str, tmp_path: Path, monkeypatch,
                                                          update_golden: bool) -> None:
    stem = name.removesuffix(".pol")
    if (HERE / f"{stem}.xfail").exists():
        pytest.xfail((HERE / f"{stem}.xfail").read_text(encoding="utf-8").strip())
    folder = HERE
    if name in GENERATED:
        folder = tmp_path
        (tmp_path / name).write_text(GENERATED[name](), encoding="utf-8")
    monkeypatch.chdir(folder)
    rc, out, err = run_cli(["check", name])
    assert not problems(["check", name], rc, out, err)
    got = _first_diagnostic(rc, out, err)
    expected_file = HERE / f"{stem}.expected"
    if update_golden:
        expected_file.write_text(got + "\n", encoding="utf-8")
    assert got == expected_file.read_text(encoding="utf-8").strip()
