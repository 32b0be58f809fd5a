"""What a user installs: the license, the extras, an sdist that can run its own tests,
and a repository that stands alone."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_the_license_is_declared_as_spdx_and_shipped():
    assert PROJECT["license"] == "MIT"
    assert PROJECT["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License\n")


def test_each_optional_feature_has_an_extra_and_all_has_them_all():
    extras = PROJECT["optional-dependencies"]
    names = {name: {re.split(r"[<>=!\[ ]", req)[0] for req in reqs} for name, reqs in extras.items()}
    assert names["lsp"] == {"pygls"}
    assert names["dataframes"] == {"pandas", "polars", "pyarrow"}
    assert names["spark"] == {"pyspark", "pyarrow"}
    assert names["report"] == {"xlsxwriter"}  # the HTML report draws its charts itself
    (everything,) = extras["all"]
    listed = set(re.search(r"\[(.*)\]", everything).group(1).split(","))
    assert listed == set(extras) - {"all", "test"}


def test_the_sdist_holds_tests_docs_policies_and_examples():
    grafted = set(re.findall(r"^graft (\S+)$", (ROOT / "MANIFEST.in").read_text(encoding="utf-8"), re.M))
    assert {"tests", "docs", "policies", "examples", "policydsl"} <= grafted


def test_nothing_shipped_or_tested_reads_outside_the_repository():
    offenders = []
    for folder in ("policydsl", "tests", "docs", "benchmarks", "examples", "editors", "policies"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in (".py", ".md", ".json", ".pol", ".toml") and path.is_file():
                text = path.read_text(encoding="utf-8", errors="replace")
                if re.search(r"/work/|\.parent\s*/\s*\"shared\"|\.\./shared", text) and path.name != Path(__file__).name:
                    offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
