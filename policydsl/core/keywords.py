"""The keyword sets of the language: each construct's English and Chinese spelling.

The grammar (`grammar/policy.lark`) accepts every spelling listed here; the
formatter prints the canonical one of the chosen set; diagnostics use these
words to name a construct in the language the drafter wrote it in. A test
checks that the grammar and this table agree.

Chinese keywords must be separated by a space from a name or unit written next
to them (Chinese names run on, so `户数不少于` is one name); they may touch a
number (`不少于1000户`, `自2024年起`).
"""

from __future__ import annotations

import re
import unicodedata

import attrs

EN, ZH = "en", "zh"
LANGUAGES = (EN, ZH)


@attrs.frozen
class Keyword:
    """One construct's spellings. `terminal` is the grammar terminal that accepts them."""

    terminal: str
    en: str
    zh: str
    en_alternatives: tuple[str, ...] = ()
    zh_alternatives: tuple[str, ...] = ()

    def spelling(self, lang: str) -> str:
        return self.zh if lang == ZH else self.en

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.en, *self.en_alternatives, self.zh, *self.zh_alternatives)


def _k(terminal: str, en: str, zh: str, en_alt: tuple[str, ...] = (), zh_alt: tuple[str, ...] = ()) -> Keyword:
    return Keyword(terminal, en, zh, en_alt, zh_alt)


KEYWORDS: dict[str, Keyword] = {
    # declarations and their attributes
    "policy": _k("_POLICY", "policy", "政策"),
    "title": _k("_TITLE", "title", "标题"),
    "original": _k("_ORIGINAL", "original", "原名"),
    "version": _k("_VERSION", "version", "版本"),
    "issuer": _k("_ISSUER", "issuer", "发文机关", zh_alt=("发布",)),
    "period": _k("_PERIOD", "period", "期限"),
    "unit": _k("_UNIT", "unit", "单位"),
    "set": _k("_SET", "set", "集合"),
    "entity": _k("_ENTITY", "entity", "对象"),
    "part_of": _k("_PART_OF", "part of", "隶属于"),
    "by": _k("_BY", "by", "依据"),
    "on": _k("_ON", "on", "针对"),
    "labelled_by": _k("_LABELLED_BY", "labelled by", "标识为", en_alt=("labeled by",)),
    "fact": _k("_FACT", "fact", "事实"),
    "let": _k("_LET", "let", "定义"),
    "rule": _k("_RULE", "rule", "规则"),
    "target": _k("_TARGET", "target", "目标"),
    "note": _k("_NOTE", "note", "备注"),
    "clause": _k("_CLAUSE", "clause", "条款"),
    "section": _k("_SECTION", "section", "章节"),
    "quote": _k("_QUOTE", "quote", "原文"),
    "where": _k("_WHERE", "where", "适用于"),
    "for_each": _k("_FOR_EACH", "for each", "每个", zh_alt=("按",)),
    # years
    "in_year": _k("IN_YEAR", "in", "在"),
    "from": _k("_FROM", "from", "自", zh_alt=("从",)),
    "to": _k("_TO", "to", "至", zh_alt=("到",)),
    "until": _k("_UNTIL", "until", "截至"),
    "year_mark": _k("_NIAN", "", "年", zh_alt=("年起", "年止", "年底")),
    # modalities
    "must": _k("MODALITY", "must", "必须"),
    "in_principle": _k("MODALITY", "in principle", "原则上"),
    "strive": _k("MODALITY", "strive", "力争"),
    # expressions
    "if": _k("_IF", "if", "如果"),
    "then": _k("_THEN", "then", "则", zh_alt=("那么",)),
    "else": _k("_ELSE", "else", "否则"),
    "or": _k("_OR", "or", "或"),
    "and": _k("_AND", "and", "且", zh_alt=("与", "并且")),
    "not": _k("_NOT", "not", "非"),
    "in": _k("_IN", "in", "属于"),
    "not_in": _k("_NOT_IN", "not in", "不属于"),
    "between": _k("_BETWEEN", "between", "介于"),
    "between_and": _k("_AND", "and", "与"),
    "between_end": _k("_BETWEEN_END", "", "之间"),
    "about": _k("ABOUT", "about", "约", ("approximately",), ("左右", "大约", "基本")),
    "within": _k("_WITHIN", "within", "浮动", zh_alt=("误差",)),
    "of": _k("_OF", "of", "的"),
    "per": _k("_PER", "per", "每"),
    "lookup": _k("_LOOKUP", "lookup", "查表"),
    "below": _k("_BELOW", "below", "低于"),
    "above": _k("_ABOVE", "above", "高于"),
    "true": _k("TRUE", "true", "是", zh_alt=("真",)),
    "false": _k("FALSE", "false", "否", zh_alt=("假",)),
    # fact types
    "optional": _k("OPTIONAL", "optional", "可选"),
    "bool": _k("BOOL_T", "bool", "布尔"),
    "text": _k("TEXT_T", "text", "文本"),
    "integer": _k("INTEGER_T", "integer", "整数"),
    "decimal": _k("DECIMAL_T", "decimal", "小数"),
    "enum": _k("ENUM_T", "enum", "等级"),
    # dates (policydsl/core/dates.py): a fact type, a rule's days in force and due day, and the
    # validity of a whole policy
    "date": _k("DATE_T", "date", "日期"),
    "in_force": _k("_IN_FORCE", "in force", "施行", zh_alt=("生效",)),
    "date_mark": _k("_DATE_MARK", "", "起", zh_alt=("止",)),
    "due": _k("_DUE", "due", "到期"),
    "every": _k("_EVERY", "every", "每"),
    "amended_on": _k("_AMENDED_ON", "amended on", "修订于"),
    "repealed_on": _k("_REPEALED_ON", "repealed on", "废止于"),
    "superseded_by": _k("_SUPERSEDED_BY", "superseded by", "被替代为"),
}

# Comparison operators: canonical AST operator -> spellings.
COMPARISONS: dict[str, Keyword] = {
    ">=": _k("CMP", ">=", "不低于", ("≥", "at least"), ("不少于", "至少")),
    "<=": _k("CMP", "<=", "不超过", ("≤", "at most"), ("不高于", "至多")),
    ">": _k("CMP", ">", "大于", (), ("超过",)),
    "<": _k("CMP", "<", "小于", (), ("少于",)),
    "=": _k("CMP", "=", "等于", ("==",), ()),
    "!=": _k("CMP", "!=", "不等于", ("≠",), ()),
}

_MODALITY_WORDS = {w: concept for concept in ("must", "in_principle", "strive")
                   for w in KEYWORDS[concept].spellings}
_CMP_WORDS = {w: op for op, kw in COMPARISONS.items() for w in kw.spellings}

# Chinese numerals: in a compact rate (`每百户`) and wherever a number may stand (`一百户`).
CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
             "八": 8, "九": 9}
CN_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
CN_LARGE_UNITS = {"万": 10**4, "亿": 10**8}
CN_NUMERAL_CHARS = frozenset(CN_DIGITS) | frozenset(CN_SMALL_UNITS) | frozenset(CN_LARGE_UNITS)
_ZEROS = frozenset("零〇")


def modality(word: str) -> str:
    """The AST modality (`must`, `in_principle`, `strive`) of a modality keyword as written."""
    return _MODALITY_WORDS.get(" ".join(word.split()), "in_principle")


def comparison(word: str) -> str:
    """The AST operator (`>=` ...) of a comparison as written, in either language."""
    return _CMP_WORDS[" ".join(word.split())]


def spelling(concept: str, lang: str) -> str:
    """The canonical spelling of a construct (`"where"`, `"zh"` -> `适用于`)."""
    if concept in COMPARISONS:
        return COMPARISONS[concept].spelling(lang)
    return KEYWORDS[concept].spelling(lang)


def is_cjk(ch: str) -> bool:
    """Whether a character is a CJK ideograph (or another wide letter)."""
    return unicodedata.east_asian_width(ch) in ("W", "F") and ch.isalpha()


def language_of(word: str) -> str:
    """`zh` if a keyword as written is Chinese, else `en`."""
    return ZH if any(is_cjk(c) for c in word) else EN


class NumeralError(ValueError):
    """A run of numeral characters that is not a Chinese numeral; the message says why."""


def cn_numeral(text: str) -> int | None:
    """The value of a Chinese numeral (`百` 100, `一千二` 1200, `一百零五` 105, `万五` 15000);
    None if malformed (`百百`, `十十`, `万万`)."""
    try:
        return parse_cn_numeral(text)
    except NumeralError:
        return None


def parse_cn_numeral(text: str) -> int:
    """The value of a Chinese numeral; raises NumeralError saying what is wrong.

    A numeral is sections of at most 千 joined by 万 and 亿, each unit at most once and in
    decreasing order. A last digit right after a unit is one place lower, as spoken
    (`一千二` 1200, `三百五` 350, `万五` 15000); after 零 it is the units digit (`一百零五` 105).
    """
    if not text:
        raise NumeralError("it is empty")
    if text in _ZEROS:
        return 0
    bad = [c for c in text if c not in CN_NUMERAL_CHARS]
    if bad:
        raise NumeralError(f"`{bad[0]}` is not a numeral character")
    return _cn_level(text, 0)


_LEVELS = (("亿", 10**8), ("万", 10**4))


def _cn_level(text: str, level: int) -> int:
    if level == len(_LEVELS):
        return _cn_section(text)
    char, unit = _LEVELS[level]
    if text.count(char) > 1:
        raise NumeralError(f"`{char}` is written twice")
    if char not in text:
        return _cn_level(text, level + 1)
    high, low = text.split(char)
    high_value = _cn_level(high, level + 1) if high else 1
    if high_value == 0:
        raise NumeralError(f"nothing to multiply before `{char}`")
    if len(low) == 1 and low in CN_DIGITS and low not in _ZEROS:
        return high_value * unit + CN_DIGITS[low] * unit // 10  # `万五`: 15000
    if low[:1] in _ZEROS and len(low) > 1:
        low = low[1:]  # `一万零五`: the 零 marks the skipped places
    elif low and not any(c in low for c in "千万亿") and level + 1 == len(_LEVELS):
        # `一万二百` is not how a number is said; `一万零二百` or `一万二千` is.
        raise NumeralError(f"the places after `{char}` need `千` or a `零`")
    low_value = _cn_level(low, level + 1) if low else 0
    return high_value * unit + low_value


def _cn_section(text: str) -> int:
    """A number below 10000: `三千零二十`, `十五`, `百五`."""
    value, digit, last_unit, zero = 0, None, 10**4, False
    for ch in text:
        if ch in _ZEROS:
            if digit is not None or zero or last_unit == 10**4:
                raise NumeralError("`零` stands only between places (`一百零五`)")
            zero = True
        elif ch in CN_DIGITS:
            if digit is not None:
                raise NumeralError("two digits in a row need a place between them (`二十五`)")
            digit = CN_DIGITS[ch]
        else:
            unit = CN_SMALL_UNITS[ch]
            if unit >= last_unit:
                raise NumeralError(f"`{ch}` follows a place that is not larger (`百百`, `十百`)")
            value += (1 if digit is None else digit) * unit
            digit, last_unit, zero = None, unit, False
    if digit is None:
        if zero:
            raise NumeralError("it ends with `零`")
        return value
    if zero or last_unit in (10, 10**4):
        return value + digit
    return value + digit * last_unit // 10  # `一千二`: 1200, `三百五`: 350


# Chinese keywords of two or more characters that a drafter may run into a name
# (`户数不少于1000户`); single characters are too common inside real names to flag.
GLUE_PRONE = tuple(sorted(
    {w for kw in (*KEYWORDS.values(), *COMPARISONS.values())
     for w in (kw.zh, *kw.zh_alternatives) if len(w) >= 2 and w not in ("年起", "年止", "年底")},
    key=len, reverse=True))


def glued_keyword(name: str) -> str | None:
    """A Chinese keyword written inside `name` without spaces around it, if any."""
    if name.isascii():  # every glue-prone keyword is Chinese; most names are not
        return None
    for word in GLUE_PRONE:
        i = name.find(word)
        if i >= 0 and name != word:
            return word
    return None


def word_pattern(words) -> str:
    """An alternation of keywords, longest first; spaces inside match any run of blanks.

    A keyword must not run on into a letter; Chinese keywords may touch a number
    (`不少于1000户`), English ones may not (`in2025` is a name). The grammar's keyword
    terminal and the highlighter are built from this one pattern, so they agree.
    """
    alts = []
    for w in sorted(set(words), key=lambda w: (-len(w), w)):
        body = r"[ \t]+".join(map(re.escape, w.split()))
        end = r"(?![^\W\d])" if not w.isascii() else r"(?!\w)"
        alts.append(body + end)
    return "(?:" + "|".join(alts) + ")"
