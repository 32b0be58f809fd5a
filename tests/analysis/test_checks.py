"""One deliberately broken policy per finding kind: exact code, location and a replayed witness."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import policydsl
from policydsl.analysis.checks import analyse, findings
from policydsl.analysis.witness import outcomes, replay

FIXTURES = Path(__file__).parent.parent / "fixtures" / "analysis"
ROOT = Path(__file__).parent.parent.parent

CASES = sorted(p.stem for p in FIXTURES.glob("*.pol"))


def _policy(name: str) -> policydsl.Policy:
    return policydsl.load(FIXTURES / f"{name}.pol")


def expected_lines(policy: policydsl.Policy, found) -> str:
    """One line a finding: code, severity, line:column, whether a witness is shown, message."""
    lines = []
    for f in found:
        d = f.diagnostic(policy.ir)
        _, line, col = d.location()
        witness = "witness" if f.witness is not None else "no-witness"
        lines.append(f"{d.code} {d.severity} {line}:{col} {witness} {d.message}\n")
    return "".join(lines)


@pytest.mark.parametrize("name", CASES)
def test_broken_policy_reports_the_findings_written_beside_it(name, golden):
    policy = _policy(name)
    found = findings(policy.ir)
    golden(FIXTURES / f"{name}.findings", expected_lines(policy, found))
    for f in found:
        d = f.diagnostic(policy.ir)
        assert d.location()[0] == str(FIXTURES / f"{name}.pol")
        if f.witness is not None:
            assert replay(policy.ir, f.witness)
            assert "witness: " in d.help


def test_every_finding_code_has_a_fixture():
    codes = {line.split()[0] for p in FIXTURES.glob("*.findings")
             for line in p.read_text(encoding="utf-8").splitlines()}
    from policydsl.analysis import checks

    documented = set(re.findall(r"\| (A0[1-5]\d\d) ", checks.__doc__))
    assert documented - {"A0001", "A0002", "A0003"} <= codes


def test_regression_witness_fails_early_and_passes_later():
    policy = _policy("regression")
    (f,) = findings(policy.ir)
    (record,) = f.witness.records
    assert policy.evaluate_record(record, 2023).outcomes[0].outcome == "fail"
    assert policy.evaluate_record(record, 2024).outcomes[0].outcome == "pass"


def test_conflicting_thresholds_witness_separates_the_two_rules():
    policy = _policy("conflicting_thresholds")
    (f,) = findings(policy.ir)
    got = outcomes(policy.ir, f.witness, 2023)
    assert got == {"funds_low": {"pass"}, "funds_high": {"fail"}}


def test_unsatisfiable_targets_name_a_minimal_set_with_labels():
    policy = _policy("unsatisfiable_targets")
    (d,) = analyse(policy.ir)
    assert [lab.message for lab in d.labels] == ["`mostly_closed` (T2) is involved"]


def test_literal_chifeng_copy_reports_schedule_conflicts_naming_the_clauses():
    policy = _policy("chifeng_literal")
    conflicts = [d for d in analyse(policy.ir) if d.code == "A0401"]
    pairs = {tuple(w.strip("`") for w in d.message.split(" ")[:4:3]) for d in conflicts}
    assert pairs == {("income_first", "income_second"), ("income_first", "income_third"),
                     ("income_second", "income_third"), ("service_space_first", "service_space_third")}
    for d in conflicts:
        assert "in 2023" in d.message
    space = next(d for d in conflicts if "service_space" in d.message)
    assert "(C07)" in space.message and "`>= 40%`" in space.message and "`>= 80%`" in space.message
    income = [d for d in conflicts if "income" in d.message]
    assert all("(C08)" in d.message for d in income)
    for f in findings(policy.ir):
        if f.code == "A0401":
            assert replay(policy.ir, f.witness)


def test_chifeng_check_exits_zero_and_reports_the_c17_modality_change():
    run = subprocess.run([sys.executable, "-m", "policydsl", "check", "policies/chifeng_2023.pol"],
                         cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    out = run.stdout + run.stderr
    assert "warning: clause `C17` is strive in 2023 (`staff_training_first_year`) and must in " \
           "2024–2025 (`staff_training`)" in out
    assert ": error:" not in out


def test_chifeng_has_no_error_findings():
    policy = policydsl.load(ROOT / "policies" / "chifeng_2023.pol")
    assert [f.code for f in findings(policy.ir) if f.severity == "error"] == []


def test_import_policydsl_does_not_import_the_solver():
    code = "import sys, policydsl; policydsl.loads('policy p period 2023 to 2024'); print('z3' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert run.stdout.strip() == "False", run.stderr


def test_a_failing_check_becomes_a_note_and_the_others_still_run(monkeypatch):
    from policydsl.analysis import checks

    def broken(self):
        raise RuntimeError("boom")

    monkeypatch.setattr(checks._Analysis, "regressions", broken)
    codes = [f.code for f in findings(_policy("unused_fact").ir)]
    assert codes == ["A0003", "A0501"]


def test_running_out_of_the_overall_budget_is_said_and_claims_nothing(monkeypatch):
    from policydsl.analysis import checks

    monkeypatch.setattr(checks, "TOTAL_BUDGET_S", 0)
    (f,) = findings(_policy("unsatisfiable_rules").ir)
    assert (f.code, f.severity) == ("A0002", "note")
