"""The import graph of `policydsl/` follows the layer table of docs/design.md and has no cycle.

Every import counts, those inside functions included (a lazy import is still a
dependency), except those under `if TYPE_CHECKING:` (never run). The layer table is read
from docs/design.md, so the documented order and the tested one cannot drift apart.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "policydsl"
DESIGN = ROOT / "docs" / "design.md"

# Known exceptions, each (importer, imported): reason. Keep it short; remove an entry
# when the code it excuses is rewritten.
ALLOWED: dict[tuple[str, str], str] = {}
# Known cycles: a cycle is allowed when all its modules are in one of these sets.
ALLOWED_CYCLES: dict[frozenset[str], str] = {}


def _modules() -> dict[str, tuple[Path, bool]]:
    """Dotted name below `policydsl` (the package itself is "policydsl") -> (path, is package)."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        out[".".join(parts) or "policydsl"] = (path, is_package)
    return out


MODULES = _modules()


def _internal(dotted: str) -> str | None:
    """`policydsl.a.b.c` -> the longest module name it names ("a.b"), or None if outside."""
    if dotted != "policydsl" and not dotted.startswith("policydsl."):
        return None
    name = dotted.removeprefix("policydsl").removeprefix(".") or "policydsl"
    while name not in MODULES and "." in name:
        name = name.rsplit(".", 1)[0]
    return name if name in MODULES else "policydsl"


def _imports(module: str) -> set[str]:
    path, is_package = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    skipped = {id(n) for node in ast.walk(tree)
               if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
               for n in ast.walk(node)}
    full = "policydsl" if module == "policydsl" else f"policydsl.{module}"
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = full.split(".")[: len(full.split(".")) - (node.level - (1 if is_package else 0))]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            # `from . import smt` names a module; `from .ir import Rule` names a member.
            targets = [f"{prefix}.{a.name}" if _internal(f"{prefix}.{a.name}") == _name_of(f"{prefix}.{a.name}")
                       else prefix for a in node.names]
        else:
            continue
        for target in targets:
            name = _internal(target)
            if name is not None and name != module:
                found.add(name)
    return found


def _name_of(dotted: str) -> str:
    return dotted.removeprefix("policydsl").removeprefix(".") or "policydsl"


GRAPH = {m: _imports(m) for m in MODULES}


def _layers() -> dict[str, int]:
    """Pattern (`eval/reference.py`, `syntax/`) -> rank, from the table in docs/design.md."""
    section = DESIGN.read_text(encoding="utf-8").partition("## Layers")[2].partition("\n## ")[0]
    out = {}
    for rank, cells in re.findall(r"^\| (\d+) \| [^|]+ \| (.+) \|$", section, re.M):
        for pattern in re.findall(r"`([^`]+)`", cells):
            out[pattern] = int(rank)
    return out


LAYERS = _layers()


def rank(module: str) -> int:
    """A module listed by file wins over its folder; a package's __init__ is its folder."""
    path, is_package = MODULES[module]
    rel = path.relative_to(PACKAGE).as_posix()
    if rel in LAYERS and not (is_package and "/" in rel):
        return LAYERS[rel]
    folder = rel.rsplit("/", 1)[0] + "/" if "/" in rel else None
    if folder in LAYERS:
        return LAYERS[folder]
    raise AssertionError(f"{rel} is in no layer of docs/design.md")


def _cycles() -> list[tuple[str, ...]]:
    """Strongly connected components with more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out = []
    for root in sorted(GRAPH):
        if root in index:
            continue
        work = [(root, iter(sorted(GRAPH[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(GRAPH[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    out.append(tuple(sorted(component)))
    return out


def test_the_walk_sees_relative_lazy_and_package_imports():
    assert "analysis.smt" in GRAPH["analysis.checks"]  # `from . import smt`
    assert "analysis.checks" in GRAPH["loader"]  # inside a function
    assert "eval.values" in GRAPH["analysis.smt"]  # `from ..eval.values import ...`
    assert "policy" in GRAPH["policydsl"]  # `from .policy import Policy` in a function
    assert "policy" in GRAPH["audit.sources"]  # `from ..policy import Policy` in a function


def test_every_module_is_in_a_layer():
    for module in MODULES:
        rank(module)


def test_no_import_goes_against_the_layer_order():
    against = sorted((m, t) for m, targets in GRAPH.items() for t in targets
                     if rank(t) > rank(m) and (m, t) not in ALLOWED)
    assert against == [], "\n".join(f"{m} (layer {rank(m)}) imports {t} (layer {rank(t)})"
                                    for m, t in against)


def test_there_is_no_import_cycle_between_modules():
    cycles = [c for c in _cycles() if not any(set(c) <= allowed for allowed in ALLOWED_CYCLES)]
    assert cycles == [], cycles


def test_only_syntax_imports_lark_and_only_smt_imports_z3():
    heavy: dict[str, set[str]] = {"lark": set(), "z3": set()}
    for module, (path, _) in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            for name in names:
                top = name.split(".")[0]
                if top in heavy:
                    heavy[top].add(module)
    assert heavy["z3"] == {"analysis.smt"}
    assert heavy["lark"] and all(m.startswith("syntax.") for m in heavy["lark"])


def test_the_layout_table_names_every_folder_of_the_package_and_no_other():
    section = DESIGN.read_text(encoding="utf-8").partition("## Layout")[2].partition("\n## ")[0]
    listed = set(re.findall(r"^\| `([^`/]+)/` \|", section, re.M))
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert listed == folders
    top = {p.name for p in PACKAGE.glob("*.py")}
    named = {m for row in re.findall(r"^\| (`[^|]+\.py`[^|]*) \|", section, re.M)
             for m in re.findall(r"`([^`]+\.py)`", row)}
    assert named == top


def _private_imports() -> list[str]:
    """`from X import _name` where X is another module of the package (`as _alias` of a
    public name is fine: the name read is public)."""
    found = []
    for module, (path, _) in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("policydsl")):
                found += [f"{module} imports {node.module}.{a.name}" for a in node.names
                          if a.name.startswith("_") and not a.name.startswith("__")]
    return found


def test_no_module_reads_a_private_name_of_another():
    assert _private_imports() == []
