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

# Chinese numerals allowed in a compact rate (`每百户`, `每千人`).
CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
             "八": 8, "九": 9}
CN_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
CN_LARGE_UNITS = {"万": 10**4, "亿": 10**8}


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


def cn_numeral(text: str) -> int | None:
    """The value of a Chinese numeral such as `百`, `四百`, `一千二百`, `十万`; None if malformed."""
    if not text:
        return None
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in CN_DIGITS:
            if digit is not None:
                return None
            digit = CN_DIGITS[ch]
        elif ch in CN_SMALL_UNITS:
            section += (1 if digit is None else digit) * CN_SMALL_UNITS[ch]
            digit = None
        elif ch in CN_LARGE_UNITS:
            section += digit or 0
            total = (total + (section or 1)) * CN_LARGE_UNITS[ch]
            section, digit = 0, None
        else:
            return None
    return total + section + (digit or 0)


# Chinese keywords of two or more characters that a drafter may run into a name
# (`户数不少于1000户`); single characters are too common inside real names to flag.
GLUE_PRONE = tuple(sorted(
    {w for kw in (*KEYWORDS.values(), *COMPARISONS.values())
     for w in (kw.zh, *kw.zh_alternatives) if len(w) >= 2 and w not in ("年起", "年止", "年底")},
    key=len, reverse=True))


def glued_keyword(name: str) -> str | None:
    """A Chinese keyword written inside `name` without spaces around it, if any."""
    for word in GLUE_PRONE:
        i = name.find(word)
        if i >= 0 and name != word:
            return word
    return None
