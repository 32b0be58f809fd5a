"""Dates: literals, exact calendar arithmetic, the evaluation date, days in force, due
days and a policy's validity, through every engine and tool (policydsl/core/dates.py)."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import policydsl
from policydsl.cli import main
from policydsl.core.dates import On, on, parse_iso, parse_literal, shift
from policydsl.core.source import Source
from policydsl.documents.fmt import format_text
from policydsl.documents.worked_examples import examples_path, load_examples
from policydsl.eval.results import OUTCOMES
from policydsl.loader import parse

WATERWORKS = Path(__file__).parents[1] / "fixtures" / "waterworks.pol"
D = datetime.date


@pytest.fixture(scope="module")
def policy():
    return policydsl.load(WATERWORKS)


# ---- the calendar ---------------------------------------------------------------------------


@pytest.mark.parametrize(("day", "months", "days", "expected"), [
    (D(2024, 1, 31), 1, 0, D(2024, 2, 29)),    # a day the month lacks: its last day
    (D(2023, 1, 31), 1, 0, D(2023, 2, 28)),
    (D(2024, 2, 29), 12, 0, D(2025, 2, 28)),   # + 1 year from a leap day
    (D(2024, 8, 31), -6, 0, D(2024, 2, 29)),
    (D(2024, 8, 31), 6, 0, D(2025, 2, 28)),
    (D(2024, 1, 31), 1, 1, D(2024, 3, 1)),     # months first, then days
    (D(2024, 12, 31), 0, 1, D(2025, 1, 1)),
    (D(9999, 12, 31), 0, 1, None),             # outside the calendar
])
def test_months_keep_the_day_or_take_the_last_day_of_the_month(day, months, days, expected):
    assert shift(day, months, days) == expected


@given(st.dates(min_value=D(1900, 1, 1), max_value=D(2100, 12, 31)), st.integers(-1200, 1200))
def test_adding_months_lands_in_the_month_counted_and_never_past_the_day(day, months):
    moved = shift(day, months, 0)
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months
    assert moved.day <= day.day


@given(st.dates(min_value=D(1900, 1, 1), max_value=D(2100, 12, 31)), st.integers(-5000, 5000))
def test_adding_days_is_exact_day_arithmetic(day, days):
    assert shift(day, 0, days) == day + datetime.timedelta(days=days)


def test_both_literal_forms_are_the_same_day():
    assert parse_literal("2024-07-01") == parse_literal("2024年7月1日") == D(2024, 7, 1)
    assert parse_literal("2025-02-29") is None and parse_iso("2024/07/01") is None


def test_the_evaluation_moment_is_its_year_and_keeps_its_date_apart():
    a, b = on(2024, D(2024, 7, 1)), on(2024)
    assert a == 2024 and a + 1 == 2025 and str(a) == "2024"
    assert b.date == D(2024, 12, 31) and a != b and hash(a) != hash(b)
    assert isinstance(a.judged_as(2023), On) and a.judged_as(2023).date == a.date


# ---- the language ---------------------------------------------------------------------------


def _policy(body: str) -> policydsl.Policy:
    return policydsl.loads("policy p\n  period 2024 to 2026\n" + body)


def test_a_chinese_rule_reads_as_the_english_one():
    zh = parse(Source("t.pol", "规则 r\n  条款 C1\n  施行 自2024年7月1日起 截至2025年12月31日\n"
                      "  必须 d 不低于 2024年1月1日\n"))[0].decls[0]
    en = parse(Source("t.pol", "rule r\n  clause C1\n  in force from 2024-07-01 until 2025-12-31\n"
                      "  must d >= 2024-01-01\n"))[0].decls[0]
    assert zh == en


def test_date_arithmetic_with_constants_is_folded_exactly():
    p = _policy("fact d: date\nrule r clause C1 must d >= 2024-01-31 + 1 month\n")
    assert p.ir.rules[0].condition.right.value == D(2024, 2, 29)


def test_eval_date_and_eval_year_name_the_day_judged():
    p = _policy("fact d: date\nrule r clause C1 must d >= eval_date - 30 days and eval_year = 2025\n")
    rec = {"id": "a", "d": "2025-06-01"}
    assert p.evaluate_record(rec, D(2025, 6, 30), engine="reference").outcomes[0].outcome == "pass"
    assert p.evaluate_record(rec, D(2025, 7, 2), engine="reference").outcomes[0].outcome == "fail"
    assert p.evaluate_record(rec, 2025, engine="reference").outcomes[0].outcome == "fail"  # 12-31


def test_a_year_means_its_last_day():
    p = _policy("fact ok: bool\nrule r clause C1 in force until 2025-06-30 must ok\n")
    rec = {"id": "a", "ok": "true"}
    out = p.evaluate_record(rec, 2025, engine="reference").outcomes[0]
    assert out.outcome == "not_applicable"
    assert out.explanation == "not in force on 2025-12-31 (in force until 2025-06-30)"
    assert p.evaluate_record(rec, D(2025, 6, 30), engine="reference").outcomes[0].outcome == "pass"


def test_a_repeal_ends_the_policy_the_day_before():
    p = _policy("  in force from 2024-07-01\n  repealed on 2026-03-01\n"
                "fact ok: bool\nrule r clause C1 must ok\n")
    rec = {"id": "a", "ok": "true"}
    assert p.evaluate_record(rec, D(2026, 2, 28)).outcomes[0].outcome == "pass"
    last = p.evaluate_record(rec, D(2026, 3, 1)).outcomes[0]
    assert last.outcome == "not_applicable" and "repealed on 2026-03-01" in last.explanation


def test_a_due_day_leaves_the_duty_pending_until_then_with_the_reason():
    p = _policy("fact done: date\nfact ok: bool\n"
                "rule r clause C1 due done + 2 years must ok\n")
    rec = {"id": "a", "done": "2024-03-01", "ok": "false"}
    pending = p.evaluate_record(rec, D(2026, 2, 28), engine="reference").outcomes[0]
    assert pending.outcome == "not_applicable"
    assert pending.explanation == ("not yet due on 2026-02-28: due on 2026-03-01 "
                                   "(`done + 2 years`)")
    assert p.evaluate_record(rec, D(2026, 3, 1), engine="reference").outcomes[0].outcome == "fail"
    missing = p.evaluate_record({"id": "b", "ok": "true"}, 2026, engine="reference").outcomes[0]
    assert missing.outcome == "unknown" and "when it is due" in missing.explanation


def test_a_malformed_date_is_a_field_error_naming_the_record_and_field():
    p = _policy("fact d: date\nrule r clause C1 must d >= 2024-01-01\n")
    ev = p.evaluate([{"id": "x", "d": "2024-13-01"}, {"id": "y", "d": "2024-02-01"}], 2024)
    bad, good = ev.records
    assert [(e.field, "YYYY-MM-DD" in e.message) for e in bad.errors] == [("d", True)]
    assert bad.outcomes[0].outcome == "unknown" and good.outcomes[0].outcome == "pass"


def test_dates_from_a_dataframe_are_read_as_days_and_a_time_of_day_is_refused():
    p = _policy("fact d: date\nrule r clause C1 must d >= 2024-01-01\n")
    ev = p.evaluate([{"id": "x", "d": D(2024, 5, 1)}, {"id": "y", "d": datetime.datetime(2024, 5, 1, 9)},
                     {"id": "z", "d": datetime.datetime(2024, 5, 1)}], 2024, engine="reference")
    assert [r.outcomes[0].outcome for r in ev.records] == ["pass", "unknown", "pass"]
    assert ev.records[1].errors[0].field == "d"


# ---- the fixture -----------------------------------------------------------------------------



def test_the_examples_show_every_outcome_kind(policy):
    examples = load_examples(examples_path(WATERWORKS), policy)
    assert {o for ex in examples for o in ex.expect.values()} == set(OUTCOMES)


def test_policydsl_test_exits_0_on_the_fixture(capsys):
    assert main(["test", str(WATERWORKS), "--strict"]) == 0
    assert "23 of 23 examples pass" in capsys.readouterr().out


def test_duckdb_judges_date_columns_itself(policy, tmp_path):
    from policydsl.eval import duckdb_engine
    from policydsl.policy import moment

    data = tmp_path / "plants.csv"
    data.write_text("id,name,commissioned,last_inspection,handover,accepted,permit,reports_filed,"
                    "turbidity,backup_plan\n"
                    "a,North,2024-08-31,2023-06-30,2026-01-01,,false,0,1.2,false\n"
                    "b,South,2024/07/01,2024-05-01,2023-01-10,2022-12-01,true,1,0.9,true\n",
                    encoding="utf-8")
    batch = duckdb_engine.evaluate(policy, data, moment(D(2025, 2, 28)))
    assert batch is not None  # not handed back to the Python path
    batch.close()
    ev = policy.evaluate(data, D(2025, 2, 28), engine="duckdb")
    assert [(e.field, "YYYY-MM-DD" in e.message) for e in ev.records[1].errors] == [("commissioned", True)]
    assert ev.records[0].outcomes[1].outcome == "fail"  # six months after 31 August: 28 February


@pytest.mark.parametrize("engine", ["compiled", "duckdb"])
def test_engines_agree_with_the_reference_on_every_fixture_example(policy, engine):
    for ex in load_examples(examples_path(WATERWORKS), policy):
        def run(name, ex=ex):
            ev = policy.evaluate(list(ex.records), ex.year, engine=name)
            return ([[(o.outcome, o.explanation) for o in r.outcomes] for r in ev.records],
                    [(t.outcome, t.explanation) for t in ev.targets])
        assert run(engine) == run("reference"), ex.name


def test_eval_with_date_reports_the_day_in_json(tmp_path, capsys):
    data = tmp_path / "plants.csv"
    data.write_text("id,name,commissioned,last_inspection,handover,accepted,permit,reports_filed,"
                    "turbidity,backup_plan\n"
                    "a,North,2023-09-01,2024-05-01,2023-01-10,2022-12-01,false,2,0.8,true\n",
                    encoding="utf-8")
    code = main(["eval", str(WATERWORKS), "--facts", str(data), "--date", "2025-09-01",
                 "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1 and doc["year"] == 2025 and doc["date"] == "2025-09-01"
    assert doc["provenance"]["dates"] == ["2025-09-01"]
    assert doc["policy"]["validity"] == {"in_force_from": "2024-07-01", "amended_on": ["2025-03-01"],
                                         "repealed_on": "2027-07-01",
                                         "superseded_by": "greenvale_waterworks_2027"}
    import jsonschema

    schema = json.loads((Path(__file__).parents[2] / "docs" / "schema" / "eval-output.schema.json")
                        .read_text(encoding="utf-8"))
    jsonschema.validate(doc, schema)
    outcomes = {o["rule"]: o["outcome"] for o in doc["records"][0]["outcomes"]}
    assert outcomes["permit"] == "fail"
    result = tmp_path / "result.json"
    result.write_text(json.dumps(doc), encoding="utf-8")
    assert main(["replay", str(result)]) == 0  # replayed on the day, not on 31 December
    capsys.readouterr()


def test_a_date_that_is_not_a_day_is_refused_by_the_cli(capsys):
    assert main(["eval", str(WATERWORKS), "--facts", "x.csv", "--date", "2025-02-30"]) == 2
    assert "expected a day written YYYY-MM-DD, not '2025-02-30'" in capsys.readouterr().err


def test_fmt_round_trips_the_fixture_keeping_the_drafters_dates():
    text = WATERWORKS.read_text(encoding="utf-8")
    once = format_text(Source("w.pol", text))
    assert format_text(Source("w.pol", once)) == once
    assert "自2025年1月1日起" in once and "due commissioned + 6 months" in once
    assert parse(Source("a", text))[0] == parse(Source("b", once))[0]
    assert policydsl.loads(once).fingerprint == policydsl.load(WATERWORKS).fingerprint


def test_fmt_to_chinese_keywords_keeps_the_meaning():
    text = WATERWORKS.read_text(encoding="utf-8")
    zh = format_text(Source("w.pol", text), lang="zh")
    assert "施行 自2024-07-01起" in zh and "废止于2027-07-01" in zh and "到期 handover" in zh
    assert policydsl.loads(zh).fingerprint == policydsl.load(WATERWORKS).fingerprint


def test_render_shows_the_validity_and_each_rules_days(policy):
    from policydsl.documents.render import render

    md = render(policy, "markdown")
    for line in ("| in force | from 2024-07-01 |", "| amended on | 2025-03-01 |",
                 "| repealed on | 2027-07-01 |", "| superseded by | greenvale_waterworks_2027 |",
                 "| in force | from 2025-01-01 to 2027-06-30 |",
                 "due on `commissioned + 2 years`"):
        assert line in md, line


def test_diff_reports_validity_and_due_changes_and_never_calls_them_equivalent(tmp_path):
    from policydsl.audit.policy_diff import diff

    text = WATERWORKS.read_text(encoding="utf-8")
    new = tmp_path / "new.pol"
    new.write_text(text.replace("repealed on 2027-07-01", "repealed on 2027-10-01")
                   .replace("commissioned + 2 years", "commissioned + 18 months"), encoding="utf-8")
    report = diff(policydsl.load(WATERWORKS), policydsl.load(new))
    assert "repealed on `2027-07-01` → `2027-10-01`" in report.facts
    permit = next(c for c in report.changes if c.name == "permit")
    assert "due `commissioned + 2 years` → `commissioned + 18 months`" in permit.details
    verdicts = {v.cls for c in report.changes for v in c.years} | {v.cls for v in report.years}
    assert "equivalent" not in verdicts and "undecided" in verdicts


def test_the_analysis_calls_dated_rules_undecided_with_the_reason(policy):
    from policydsl.analysis.checks import findings

    notes = {f.rules[0].name: f.message for f in findings(policy.ir) if f.code == "A0004"}
    assert notes["permit"].endswith("it has a due day, which the analysis cannot reason about yet; "
                                    "undecided")
    assert "days in force of its own" in notes["turbidity"]
    assert "date values" in notes["inspected"]


def test_policy_wide_days_leave_rules_to_the_analysis_and_to_sql():
    p = _policy("  in force from 2024-07-01\nfact rooms: decimal m2\n"
                "rule r clause C1 must rooms >= 200 m2 and rooms <= 100 m2\n")
    from policydsl.analysis.checks import findings
    from policydsl.eval.warehouse import statements

    codes = {f.code for f in findings(p.ir)}
    assert "A0004" not in codes and "A0101" in codes  # still found unsatisfiable
    assert "CASE" in statements(p, 2025).records


def test_sql_decides_days_in_force_for_the_day_asked(tmp_path, capsys):
    path = tmp_path / "p.pol"
    path.write_text("policy p\n  period 2024 to 2026\nfact rooms: decimal m2\n"
                    "rule later clause R1 in force from 2025-04-01 must rooms >= 250 m2\n", encoding="utf-8")
    assert main(["sql", str(path), "--date", "2025-03-31"]) == 0
    before = capsys.readouterr().out
    assert main(["sql", str(path), "--date", "2025-04-01"]) == 0
    after = capsys.readouterr().out
    assert "date 2025-03-31" in before and '3 AS "later"' in before  # not_applicable
    assert '3 AS "later"' not in after and '"v0" >= 250' in after


def test_sql_judges_a_due_day_as_a_branch_of_the_outcome_code(capsys):
    assert main(["sql", str(WATERWORKS), "--year", "2025"]) == 0
    out = capsys.readouterr().out  # not applicable before the day the duty falls due
    assert "WHEN CAST('2025-12-31' AS DATE) < (CASE WHEN \"v1\" BETWEEN" in out
    assert "ADD_MONTHS(\"v1\", 24)" not in out and '"v1" + INTERVAL 24 MONTH' in out


def _plants(path: Path, n: int = 48) -> Path:
    """Plants with every date construct's cases: days around the due days and the
    inspection horizon, a missing optional day, a day that is not in the calendar, a
    padded day, an allowed and a refused exemption."""
    import csv

    spoil = ["2025-02-30", "2024/07/01", " 2024-07-01", ""]
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "name", "commissioned", "last_inspection", "handover", "accepted", "permit",
                    "reports_filed", "turbidity", "backup_plan", "exemptions"])
        for i in range(n):
            commissioned = D(2012, 3, 31) + datetime.timedelta(days=97 * i)
            handover = "" if i % 5 == 0 else (commissioned + datetime.timedelta(days=400)).isoformat()
            accepted = spoil[i // 7 % 4] if i % 7 == 3 else (commissioned + datetime.timedelta(days=380 + i % 3 * 15)
                                                              ).isoformat()
            exemptions = {1: '{"W6": "to close in 2025"}', 2: '{"W1": "not in principle"}'}.get(i % 9, "")
            w.writerow([f"p{i}", f"Plant {i}", commissioned.isoformat(),
                        (D(2022, 9, 1) + datetime.timedelta(days=31 * i)).isoformat(), handover, accepted,
                        ["true", "false"][i % 2], i % 3, ["0.8", "1.0", "1.3"][i % 3], ["true", "false"][i // 2 % 2],
                        exemptions])
    return path


def test_duckdb_judges_parquet_date_columns_in_sql_as_the_reference_does(policy, tmp_path):
    import duckdb

    from policydsl.eval import duckdb_engine
    from policydsl.policy import moment

    data = tmp_path / "plants.parquet"
    con = duckdb.connect()
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{_plants(tmp_path / 'plants.csv')}', all_varchar = true)")
    con.execute(f"COPY (SELECT * REPLACE (commissioned::DATE AS commissioned, last_inspection::DATE AS "
                f"last_inspection, try_cast(handover AS DATE) AS handover, permit::BOOLEAN AS permit, "
                f"reports_filed::INTEGER AS reports_filed, turbidity::DECIMAL(4, 1) AS turbidity) FROM t) "
                f"TO '{data}' (FORMAT parquet)")
    con.close()
    for day in (D(2024, 9, 1), D(2025, 2, 28), D(2026, 7, 1)):
        batch = duckdb_engine.evaluate(policy, data, moment(day))
        assert batch is not None
        # typed DATE, BOOLEAN, INTEGER and DECIMAL columns are read by SQL on every record:
        # only the six `accepted` texts SQL does not take (two bad days, a padded one, thrice)
        # go to the reader
        assert batch.count_where("NOT __sql") == 6
        batch.close()

        def seen(engine, day=day):
            ev = policy.evaluate(data, day, engine=engine)
            return ([(r.id, [(o.outcome, o.explanation) for o in r.outcomes], r.errors) for r in ev.records],
                    [(t.outcome, t.explanation) for t in ev.targets])
        assert seen("duckdb") == seen("reference"), day


@pytest.mark.parametrize("fmt", ["json", "jsonl", "parquet"])
def test_a_dated_duckdb_batch_written_whole_equals_the_record_by_record_writer(tmp_path, fmt):
    """Due days, days in force and the evaluation date judged in SQL, every outcome
    explained in bulk: the same result as the compiled engine's, record by record."""
    data = _plants(tmp_path / "plants.csv")
    outs = {}
    for engine in ("duckdb", "compiled"):
        out = tmp_path / f"{engine}.{fmt}"
        code = main(["eval", str(WATERWORKS), "--facts", str(data), "--date", "2025-02-28", "--format", fmt,
                     "--engine", engine, "--output", str(out), "--quiet"])
        assert code == 1
        if fmt == "parquet":
            from policydsl.eval.duckdb_engine import ParquetWriter

            meta, records, targets = ParquetWriter.read(out)
            assert '"dates":["2025-02-28"]' in meta["policydsl-provenance"]
            outs[engine] = (records, targets)
        else:
            outs[engine] = out.read_text(encoding="utf-8").replace('"engine": "compiled"', '"engine": "duckdb"')
    assert outs["duckdb"] == outs["compiled"]
    if fmt == "json":
        assert '"date": "2025-02-28"' in outs["duckdb"] and outs["duckdb"].count('"field": "accepted"') == 4


# ---- periodic duties: `every 2 years`, `每2年` ------------------------------------------------

_PERIODIC = "policy p period 2024 to 2027\nfact last: date optional\nfact n: integer\n"


@pytest.mark.parametrize("text", ["must last every 2 years", "必须 last 每2年", "必须 last 每两年",
                                  "must last every 24 months", "必须 last 每24个月"])
def test_a_periodic_duty_is_the_comparison_with_the_evaluation_date_shifted_back(text):
    short = _policy(f"fact last: date\nrule r clause C1 {text}\n")
    long = _policy("fact last: date\nrule r clause C1 must last >= eval_date - 2 years\n")
    assert short.fingerprint == long.fingerprint
    for day, outcome in (("2023-07-01", "pass"), ("2023-06-30", "fail")):
        got = short.evaluate_record({"id": "a", "last": day}, D(2025, 7, 1), engine="reference").outcomes[0]
        assert got.outcome == outcome


def test_every_year_and_every_month_need_no_count():
    year = _policy("fact last: date\nrule r clause C1 must last every year\n")
    zh = _policy("fact last: date\nrule r clause C1 必须 last 每年\n")
    assert year.fingerprint == zh.fingerprint == _policy(
        "fact last: date\nrule r clause C1 must last >= eval_date - 1 year\n").fingerprint
    month = _policy("fact last: date\nrule r clause C1 必须 last 每月\n")
    rec = {"id": "a", "last": "2025-06-01"}
    assert month.evaluate_record(rec, D(2025, 7, 1), engine="reference").outcomes[0].outcome == "pass"
    assert month.evaluate_record(rec, D(2025, 7, 2), engine="reference").outcomes[0].outcome == "fail"


def test_a_periodic_duty_explains_the_day_it_needs():
    p = _policy("fact last: date\nrule r clause C1 must last every 2 years\n")
    got = p.evaluate_record({"id": "a", "last": "2023-06-30"}, D(2025, 7, 1), engine="reference").outcomes[0]
    assert "needs at least 2023-07-01 (`eval_date - 2 years`)" in got.explanation
    zh = _policy("fact last: date\nrule r clause C1 必须 last 每两年\n")
    got = zh.evaluate_record({"id": "a", "last": "2023-06-30"}, D(2025, 7, 1), engine="reference").outcomes[0]
    assert "(`评估日 - 两年`)" in got.explanation


@pytest.mark.parametrize("text", ["必须 a 不低于 b 每 100 户", "必须 a 不低于 1万元 每 年"])
def test_per_before_any_other_unit_or_spaced_stays_a_rate(text):
    rate = parse(Source("t.pol", f"规则 r\n  {text}\n"))[0].decls[0]
    assert type(rate.requirement.condition.right).__name__ == "Per"


@pytest.mark.parametrize(("text", "code"), [
    ("must n every 2 years", "E0184"),          # not a date
    ("must last every 1.5 years", "E0185"),     # not a whole number
    ("must last every 2 households", "E0185"),  # not a calendar period
    ("必须 last 每0年", "E0185"),
])
def test_a_periodic_duty_mistake_is_named_with_a_hint(text, code):
    with pytest.raises(policydsl.PolicyError) as e:
        policydsl.loads(_PERIODIC + f"rule r clause C1 {text}\n")
    (d,) = [d for d in e.value.diagnostics if d.is_error]
    assert d.code == code and d.help


@pytest.mark.parametrize(("rule", "kept"), [
    ("规则 r 条款 C1 必须 last 每两年", "必须 last 每两年"),
    ("rule r clause C1 must last every 2 years", "must last every 2 years"),
    ("规则 r 条款 C1 必须 last 每年 且 last 每6个月", "必须 last 每年 且 last 每6个月"),
    ("rule r clause C1 must last every year", "must last every year"),
])
def test_fmt_keeps_a_periodic_duty_as_written_and_its_meaning_in_either_language(rule, kept):
    src = _PERIODIC + rule + "\n"
    once = format_text(Source("t.pol", src))
    assert kept in once
    assert format_text(Source("t.pol", once)) == once
    for lang in ("en", "zh"):
        assert policydsl.loads(format_text(Source("t.pol", src), lang)).fingerprint == policydsl.loads(src).fingerprint
