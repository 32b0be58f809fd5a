"""`entity … labelled by FACT, …`: the facts that name a record in reports. Read in
both keyword sets, checked against the declared facts, formatted back, kept out of
the fingerprint, and counted as used by the analysis."""

from __future__ import annotations

from pathlib import Path

import pytest

import policydsl
from policydsl.analysis.checks import findings
from policydsl.core.diagnostics import PolicyError
from policydsl.core.source import Source
from policydsl.documents.fmt import format_text

ROOT = Path(__file__).parents[2]
BODY = 'fact name: text "名称"\nfact region: text\nfact ok: bool\nrule r clause C1 must ok\n'


def _policy(entity: str) -> policydsl.Policy:
    return policydsl.loads(f"policy p period 2023 to 2025\n{entity}\n{BODY}")


@pytest.mark.parametrize("entity", [
    'entity home, homes "家" labelled by name, region',
    'entity home labeled by name, region',
    '对象 home, homes "家" 标识为 name, region',
])
def test_labels_are_read_in_either_keyword_set(entity):
    assert _policy(entity).ir.label_facts == ("name", "region")


def test_labels_are_not_part_of_the_fingerprint():
    plain = _policy('entity home, homes "家"')
    labelled = _policy('entity home, homes "家" labelled by region, name')
    assert plain.fingerprint == labelled.fingerprint
    assert labelled.ir.entity_label == "家"


def test_chifeng_fingerprint_is_unchanged_by_its_labels():
    text = (ROOT / "policies" / "chifeng_2023.pol").read_text(encoding="utf-8")
    assert 'labelled by name, region' in text
    before = policydsl.loads(text.replace(" labelled by name, region", ""))
    assert policydsl.loads(text).fingerprint == before.fingerprint == \
        "sha256:73b1fbf5c49d320a45d403be251b5ddf"


@pytest.mark.parametrize("labels, code, message", [
    ("nam", "E0115", "`nam` in `labelled by` is not a declared fact"),
    ("name, name", "E0116", "`name` is named twice in `labelled by`"),
])
def test_a_wrong_label_is_an_error_at_its_name(labels, code, message):
    with pytest.raises(PolicyError) as e:
        _policy(f"entity home labelled by {labels}")
    d = next(d for d in e.value.diagnostics if d.code == code)
    assert d.message == message
    assert "labelled by" in d.render() and "^" in d.render()


@pytest.mark.parametrize("lang, line", [
    ("en", 'entity home, homes "家" labelled by name, region'),
    ("zh", '对象 home, homes "家" 标识为 name, region'),
])
def test_labels_are_formatted_in_the_chosen_keywords(lang, line):
    source = Source("p.pol", f'policy p period 2023 to 2025\nentity home, homes "家" labelled by name,region\n{BODY}')
    assert line in format_text(source, lang).splitlines()


def test_a_label_fact_is_not_reported_as_unused():
    codes = [(f.code, f.message) for f in findings(_policy("entity home labelled by name").ir)]
    assert ("A0501", "fact `name` is used by no rule") not in codes
    assert ("A0501", "fact `region` is used by no rule") in codes
