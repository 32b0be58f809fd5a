"""Checked policies kept between processes (`policydsl.checked_cache`): a policy taken from
the cache is the one the front end checks, and anything the check depends on makes a new
entry."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import attrs
import pytest

import policydsl
from policydsl import checked_cache
from policydsl.core import disk_cache
from policydsl.core.diagnostics import PolicyError
from policydsl.core.limits import Limits, using
from policydsl.fingerprint import fingerprint

ROOT = Path(__file__).resolve().parents[2]
WARNED = '''
policy p period 2024 to 2025
fact rooms: decimal m2
rule rooms must rooms >= 200 m2
'''  # the rule cites no clause: a warning that names the file


def _entries(where: Path) -> list[Path]:
    return sorted(where.glob("*.checked")) if where.exists() else []


def _loadable() -> list[Path]:
    out = []
    for path in sorted(ROOT.glob("**/*.pol")):
        if ".git" in path.parts:
            continue
        try:
            policydsl.loads(path.read_text(encoding="utf-8"), str(path))
        except (PolicyError, UnicodeDecodeError):
            continue
        out.append(path)
    return out


def test_every_repository_policy_loads_from_the_cache_as_the_front_end_checks_it(cache) -> None:
    paths = _loadable()
    assert len(paths) > 50
    for path in paths:
        checked = policydsl.load(path)  # checked, and stored
        cached = policydsl.load(path)  # taken from the cache
        assert cached.ir == checked.ir, path
        # equality leaves spans out; every field, spans too, as tuples
        assert attrs.astuple(cached.ir) == attrs.astuple(checked.ir), path
        assert cached.load_warnings == checked.load_warnings, path
        assert fingerprint(cached.ir) == fingerprint(checked.ir), path
    assert len(_entries(cache)) == min(len(paths), checked_cache.KEEP)


def test_a_second_load_is_taken_from_the_cache_without_the_parser(cache, tmp_path) -> None:
    path = tmp_path / "p.pol"
    path.write_text(WARNED, encoding="utf-8")
    policydsl.load(path)
    code = ("import sys, policydsl; p = policydsl.load(sys.argv[1]); "
            "print('lark' in sys.modules, p.load_warnings[0].code)")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True,
                         env={**__import__("os").environ, "POLICYDSL_CACHE": str(cache)}, cwd=ROOT).stdout
    assert out.split() == ["False", "W0101"]


def test_a_changed_text_is_checked_again(cache, tmp_path) -> None:
    path = tmp_path / "p.pol"
    path.write_text(WARNED, encoding="utf-8")
    assert policydsl.load(path).ir.rules[0].name == "rooms"
    path.write_text(WARNED.replace("rule rooms", "rule space"), encoding="utf-8")
    assert policydsl.load(path).ir.rules[0].name == "space"
    assert len(_entries(cache)) == 2


def test_the_same_text_under_another_name_has_its_own_warnings(cache, tmp_path) -> None:
    a, b = tmp_path / "a.pol", tmp_path / "b.pol"
    a.write_text(WARNED, encoding="utf-8")
    b.write_text(WARNED, encoding="utf-8")
    assert policydsl.load(a).load_warnings[0].source.name == str(a)
    assert policydsl.load(b).load_warnings[0].source.name == str(b)


def test_the_limits_in_force_are_part_of_the_key(cache, tmp_path) -> None:
    path = tmp_path / "p.pol"
    path.write_text(WARNED, encoding="utf-8")
    policydsl.load(path)
    with using(Limits(declarations=1)), pytest.raises(PolicyError):
        policydsl.load(path)  # two declarations: over the limit, whatever was stored before


def test_a_policy_with_errors_is_not_stored(cache, tmp_path) -> None:
    path = tmp_path / "p.pol"
    path.write_text(WARNED.replace(">= 200 m2", ">= 200 households"), encoding="utf-8")
    for _ in range(2):
        with pytest.raises(PolicyError):
            policydsl.load(path)
    assert _entries(cache) == []


def test_a_corrupt_entry_is_checked_again(cache, tmp_path) -> None:
    path = tmp_path / "p.pol"
    path.write_text(WARNED, encoding="utf-8")
    first = policydsl.load(path)
    (entry,) = _entries(cache)
    entry.write_bytes(b"not a pickle")
    assert policydsl.load(path).ir == first.ir
    entry.write_bytes(entry.read_bytes()[:0])
    assert policydsl.load(path).ir == first.ir


def test_an_entry_of_a_folder_another_user_owns_is_not_read(cache, tmp_path, monkeypatch) -> None:
    path = tmp_path / "p.pol"
    path.write_text(WARNED, encoding="utf-8")
    policydsl.load(path)
    monkeypatch.setattr(disk_cache.os, "getuid", lambda: 12345, raising=False)
    assert checked_cache.get(policydsl.loader.read_source(path)) is None


@pytest.mark.parametrize("off", ["off", "0", ""])
def test_the_cache_is_off_when_policydsl_cache_says_so(tmp_path, monkeypatch, off: str) -> None:
    monkeypatch.setenv("POLICYDSL_CACHE", off)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    path = tmp_path / "p.pol"
    path.write_text(WARNED, encoding="utf-8")
    policydsl.load(path)
    assert not (tmp_path / "xdg").exists() and not (tmp_path / "home").exists()


def test_an_unwritable_folder_only_means_checking_again(tmp_path, monkeypatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("POLICYDSL_CACHE", str(blocker / "cache"))  # under a file: cannot be made
    path = tmp_path / "p.pol"
    path.write_text(WARNED, encoding="utf-8")
    assert policydsl.load(path).ir == policydsl.load(path).ir


def test_only_the_newest_entries_are_kept(cache, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(checked_cache, "KEEP", 3)
    for i in range(5):
        path = tmp_path / f"p{i}.pol"
        path.write_text(WARNED, encoding="utf-8")
        policydsl.load(path)
    assert len(_entries(cache)) == 3


def test_another_lark_makes_another_key(tmp_path, monkeypatch) -> None:
    import importlib.machinery

    fake = tmp_path / "lark" / "__init__.py"
    fake.parent.mkdir()
    fake.write_text('__version__ = "1.3.1"\n', encoding="utf-8")
    spec = importlib.machinery.ModuleSpec("lark", None, origin=str(fake))
    monkeypatch.setattr(disk_cache.importlib.util, "find_spec", lambda name: spec)
    disk_cache.code_digest.cache_clear()
    try:
        before = disk_cache.code_digest()
        fake.write_text('__version__ = "1.3.20"\n', encoding="utf-8")
        disk_cache.code_digest.cache_clear()
        assert disk_cache.code_digest() != before
    finally:
        disk_cache.code_digest.cache_clear()
