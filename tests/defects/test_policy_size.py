"""Issue #14, items 12 and 13: the policy size limit holds before the policy is read,
for a file, a device that never ends, and a `REV:path` read from git."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from policydsl.audit.sources import read_version
from policydsl.core.diagnostics import PolicyError
from policydsl.core.limits import Limits, using
from policydsl.loader import read_source

ROOT = Path(__file__).resolve().parents[2]


def _only_error(err: pytest.ExceptionInfo[PolicyError]) -> str:
    (diagnostic,) = err.value.diagnostics
    return f"{diagnostic.code} {diagnostic.message}"


def test_an_endless_device_is_refused_after_reading_one_byte_past_the_limit() -> None:
    with using(Limits(policy_bytes=1000)), pytest.raises(PolicyError) as err:
        read_source("/dev/zero")
    assert _only_error(err) == "E0011 policy file is more than 1000 bytes; the limit is 1000"


def test_a_file_past_the_limit_is_refused_with_its_size(tmp_path: Path) -> None:
    big = tmp_path / "big.pol"
    big.write_bytes(b"# " + b"x" * 2000 + b"\n")
    with using(Limits(policy_bytes=1000)), pytest.raises(PolicyError) as err:
        read_source(big)
    assert _only_error(err) == "E0011 policy file is 2003 bytes; the limit is 1000"


def test_a_file_at_the_limit_is_read(tmp_path: Path) -> None:
    exact = tmp_path / "exact.pol"
    exact.write_bytes(b"#" * 999 + b"\n")
    with using(Limits(policy_bytes=1000)):
        assert len(read_source(exact).text) == 1000


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_a_git_revision_past_the_limit_is_refused_like_a_file(tmp_path: Path) -> None:
    # defects/git_size_limit_bypass: `diff HEAD:big.pol` accepted a 3 MB policy.
    src = (ROOT / "policies" / "chifeng_2023.pol").read_text(encoding="utf-8")
    (tmp_path / "big.pol").write_text(src + "\n" + ("# " + "x" * 98 + "\n") * 30000, encoding="utf-8")
    git = ["git", "-c", "user.email=a@b", "-c", "user.name=a"]
    subprocess.run(["git", "init", "-q", "."], cwd=tmp_path, check=True)
    subprocess.run(["git", "add", "big.pol"], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-qm", "big"], cwd=tmp_path, check=True)
    with pytest.raises(PolicyError) as err:
        read_version("HEAD:big.pol", cwd=tmp_path)
    size = (tmp_path / "big.pol").stat().st_size
    assert _only_error(err) == f"E0011 policy file is {size} bytes; the limit is 500000"
    with using(Limits(policy_bytes=4_000_000)):
        assert read_version("HEAD:big.pol", cwd=tmp_path).text.startswith(src[:200])
