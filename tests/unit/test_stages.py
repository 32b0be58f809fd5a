"""The front end as a table of stages: order, stopping, and what `check` and `warnings` hold."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import policydsl
from policydsl import loader
from policydsl.core.source import Source

ROOT = Path(__file__).resolve().parents[2]
CHIFENG = ROOT / "policies" / "chifeng_2023.pol"
UNUSED_FACT = ROOT / "tests" / "fixtures" / "analysis" / "unused_fact.pol"


def test_the_stages_run_in_the_documented_order():
    assert loader.STAGE_NAMES == ("read", "parse", "lower", "limits", "resolve", "typecheck", "analyse")


def test_each_stage_turns_one_form_into_the_next():
    source, _ = loader.read_stage(UNUSED_FACT)
    parsed, _ = loader.parse_stage(source)
    module, _ = loader.lower_stage(parsed)
    bounded, _ = loader.limits_stage(module, source)
    resolved, _ = loader.resolve_stage(bounded, source)
    checked, _ = loader.typecheck_stage(resolved)
    same, findings = loader.analyse_stage(checked)
    assert (type(source).__name__, type(parsed).__name__, type(module).__name__,
            type(resolved).__name__, type(checked).__name__) == ("Source", "Parsed", "Module", "Resolved", "Policy")
    assert bounded is module and same is checked
    assert [d.code for d in findings] == ["A0501"]


def test_a_syntax_error_stops_the_run_before_lowering():
    value, diagnostics = loader.run(Source("bad.pol", "policy p period 2023 to\n"), "parse")
    assert value is None
    assert [d.severity for d in diagnostics] == ["error"]


def test_a_checker_error_stops_the_run_before_the_analysis(tmp_path):
    path = tmp_path / "bad.pol"
    path.write_text("policy p period 2023 to 2024\nfact a: decimal m2\nrule r clause C1 must a >= 5 yuan\n",
                    encoding="utf-8")
    policy, diagnostics = loader.check_file(path)
    assert policy is None
    assert [d.code for d in diagnostics] == ["E0212"]


def test_check_includes_the_analysis_findings_the_cli_prints():
    codes = [d.code for d in policydsl.check(CHIFENG)]
    assert codes == ["A0405"]
    run = subprocess.run([sys.executable, "-m", "policydsl", "check", str(CHIFENG)], cwd=ROOT,
                         capture_output=True, text=True)
    printed = [line for line in run.stderr.splitlines() if ": warning: " in line]
    assert printed == [d.render().splitlines()[0] for d in policydsl.check(CHIFENG)]


def test_policy_warnings_hold_the_findings_and_load_stays_without_the_solver():
    code = ("import sys, policydsl; p = policydsl.load(sys.argv[1]); print('z3' in sys.modules); "
            "print([d.code for d in p.load_warnings]); print([d.code for d in p.warnings]); "
            "print('z3' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", code, str(UNUSED_FACT)], cwd=ROOT,
                         capture_output=True, text=True)
    assert run.stdout.splitlines() == ["False", "[]", "['A0501']", "True"], run.stderr


DECLARATION_AND_EXPRESSION_ERRORS = """policy p period 2023 to 2024
entity site labelled by nope
fact a: decimal m2 >= 5 yuan
rule r clause C1 must a >= 5 yuan
rule r clause C1 must a >= 5 m2
"""


def test_resolve_errors_come_first_and_do_not_hide_the_type_errors():
    source = Source("both.pol", DECLARATION_AND_EXPRESSION_ERRORS)
    policy, diagnostics = loader.check_source(source)
    assert policy is None
    # resolve: `labelled by` names no fact, a rule declared twice; typecheck: two unit mismatches
    assert [d.code for d in diagnostics] == ["E0115", "E0101", "E0212", "E0212"]


def test_the_resolved_form_says_what_each_name_stands_for():
    text = ("policy p period 2023 to 2024\nset zones = {\"n\"}\nfact a: decimal m2\nlet b = a\n"
            "rule r clause C1 must b >= 5 m2\n")
    resolved, diagnostics = loader.run(Source("names.pol", text), "parse", "resolve")
    assert diagnostics == []
    assert [resolved.refers_to(n) for n in ("a", "b", "zones", "eval_year", "c")] == [
        "fact", "definition", "set", "evaluation day", None]
