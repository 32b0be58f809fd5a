"""Chinese numerals read as they are said, wherever a number may stand; malformed ones
are diagnosed. Regression inputs of the numeral defect live in tests/defects/chinese_numerals/."""

from __future__ import annotations

from pathlib import Path

import pytest

import policydsl
from policydsl.core import ast, keywords
from policydsl.core.diagnostics import PolicyError
from policydsl.core.source import Source
from policydsl.loader import parse

DEFECT = Path(__file__).parents[1] / "defects" / "chinese_numerals"


@pytest.mark.parametrize(("text", "value"), [
    ("一千二", 1200), ("两千五", 2500), ("三百五", 350), ("百五", 150), ("万五", 15000),
    ("一万二", 12000), ("一百零五", 105), ("三千零二十", 3020), ("一千零十", 1010),
    ("十五", 15), ("二十", 20), ("一万零五", 10005), ("一亿零五万", 100050000), ("一亿二", 120000000),
    ("一千二百万", 12000000), ("零", 0), ("〇", 0),
])
def test_numerals_read_as_spoken(text, value):
    assert keywords.cn_numeral(text) == value


@pytest.mark.parametrize("text", ["百百", "十十", "万万", "一二", "零五", "一百零", "十百", "一万二百", "亿亿"])
def test_malformed_numerals_are_refused_with_a_reason(text):
    assert keywords.cn_numeral(text) is None
    with pytest.raises(keywords.NumeralError) as err:
        keywords.parse_cn_numeral(text)
    assert str(err.value)


def test_every_numeral_below_ten_thousand_written_in_full_reads_back():
    digits = "零一二三四五六七八九"
    for n in range(1, 10000):
        parts, zero = [], False
        for place, char in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
            d = n // place % 10
            if d == 0:
                zero = bool(parts)
                continue
            if zero:
                parts.append("零")
                zero = False
            parts.append(digits[d] + char)
        assert keywords.cn_numeral("".join(parts)) == n, "".join(parts)


def test_defect_reproduction_counts_per_1200_and_per_150():
    policy = policydsl.load(DEFECT / "cn.pol")
    records = {"a": {"id": "a", "households": 1200, "staff": 1, "area": "30"},
               "b": {"id": "b", "households": 150, "staff": 1, "area": "30"}}
    got = {(rid, o.rule): o.outcome for rid, rec in records.items()
           for o in policy.evaluate_record(rec, 2024).outcomes}
    # 1 person per 1200 households (not per 1002); 30 m2 per 150 households (not per 105).
    assert got == {("a", "staffing"): "pass", ("a", "space"): "fail",
                   ("b", "staffing"): "pass", ("b", "space"): "pass"}


NUMBERS = """
政策 p
  期限 2023年至2025年
事实 households: 整数 household 不低于 零
事实 budget: 小数 元 不低于 0
事实 area: 小数 m2 不低于 0
规则 size
  条款 C1
  必须 households 介于 十五户至二十户
规则 big
  条款 C2
  必须 households 不少于 一百户 或 budget 不少于 三万 元 或 area 不少于 两千 平方米
"""


def test_numerals_stand_where_numbers_do():
    policy = policydsl.loads(NUMBERS, "n.pol")
    digits = policydsl.loads(NUMBERS.replace("十五户至二十户", "15户 至 20户").replace("一百户", "100户")
                             .replace("三万 元", "30000元").replace("两千 平方米", "2000平方米")
                             .replace("不低于 零", "不低于 0"), "d.pol")
    assert policy.fingerprint == digits.fingerprint


def test_a_numeral_keeps_its_spelling_on_the_ast_node():
    module, diagnostics = parse(Source("n.pol", NUMBERS))
    assert not diagnostics
    numbers = [n for n in _walk(module) if isinstance(n, ast.Number) and n.numeral]
    assert {(n.numeral, n.text, n.unit) for n in numbers} >= {
        ("十五", "15", "户"), ("二十", "20", "户"), ("一百", "100", "户"), ("三万", "30000", "元"),
        ("两千", "2000", "平方米"), ("零", "0", None)}


def test_a_compact_rate_keeps_its_numeral():
    module, _ = parse(Source("cn.pol", (DEFECT / "cn.pol").read_text("utf-8")))
    pers = [n for n in _walk(module) if isinstance(n, ast.Per)]
    assert {(p.count_numeral, p.count) for p in pers} == {("一千二", "1200"), ("百五", "150")}


def test_a_declared_name_that_starts_with_a_numeral_stays_a_name():
    policy = policydsl.loads("""
政策 p
  期限 2023年至2025年
事实 一级数量: 整数 household 不低于 0
规则 r
  条款 C1
  必须 一级数量 不少于 十户
""", "n.pol")
    assert policy.evaluate_record({"id": "x", "一级数量": 10}, 2024).outcomes[0].outcome == "pass"


def test_an_undeclared_name_starting_with_a_numeral_is_an_unknown_name():
    with pytest.raises(PolicyError) as err:
        policydsl.loads("""
政策 p
  期限 2023年至2025年
事实 n: 整数 household 不低于 0
规则 r
  条款 C1
  必须 n 不少于 三级
""", "n.pol")
    assert "unknown name `三级`" in str(err.value)


def _walk(node):
    import attrs
    stack = [node]
    while stack:
        x = stack.pop()
        yield x
        if isinstance(x, tuple):
            stack.extend(x)
        elif attrs.has(type(x)):
            stack.extend(getattr(x, f.name) for f in attrs.fields(type(x)) if f.name != "span")
