"""A constant above Python's 4,300-digit int-to-string limit, built through `let`s within
the declared limits, is checked, fingerprinted, diffed, analysed and evaluated."""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import policydsl
from policydsl.eval.values import exact_text, int_of_text, int_text

HERE = Path(__file__).parent / "fingerprint_bigconst"
A7 = (10**40 - 1) ** 128  # 9999…9 (40 digits) squared through seven lets


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "policydsl", *args], cwd=HERE, capture_output=True,
                          text=True, timeout=120)


def test_int_text_writes_every_digit_of_a_huge_integer():
    assert int_of_text(int_text(A7)) == A7
    assert len(int_text(A7)) == 5120 and int_text(-A7) == "-" + int_text(A7)
    assert exact_text(Fraction(A7, 4)).endswith(".25")  # A7 ends in 1
    assert exact_text(Fraction(1, A7)).startswith("1/99999")


def test_check_diff_and_eval_of_a_policy_with_a_huge_constant():
    policy = policydsl.load(HERE / "bigconst.pol")
    assert policy.fingerprint.startswith("sha256:")
    check = run("check", "bigconst.pol")
    assert check.returncode == 0, check.stderr
    assert "could not run" not in check.stdout + check.stderr
    diff = run("diff", "bigconst.pol", "bigconst.pol")
    assert diff.returncode == 0, diff.stderr
    ev = run("eval", "bigconst.pol", "--facts", "bigconst.csv", "--year", "2024", "--format", "json")
    assert ev.returncode == 1, ev.stderr
    (outcome,) = json.loads(ev.stdout)["records"][0]["outcomes"]
    assert outcome["outcome"] == "fail" and int_text(A7) in outcome["explanation"]
