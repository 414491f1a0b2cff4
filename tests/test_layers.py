"""The layering rule: transforms/ is pure, dependencies point one way."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.helpers import FORBIDDEN_CALLS, called

ROOT = Path(__file__).resolve().parents[1]
# Modules that orchestrate, render, touch files or the network, or belong to outer layers.
FORBIDDEN_IN_TRANSFORMS = {
    "prefect", "jinja2", "weasyprint", "ntm", "flows", "os", "io", "pathlib", "shutil",
    "tempfile", "socket", "urllib", "http", "httpx", "requests", "subprocess", "fastexcel",
    "xlsxwriter", "openpyxl", "glob", "zipfile",
}  # fmt: skip


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def imported(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", modules("transforms"), ids=lambda p: p.name)
def test_transforms_are_pure(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert imported(tree) & FORBIDDEN_IN_TRANSFORMS == set()
    assert called(tree) & FORBIDDEN_CALLS == set()


# Each stage of ntm/ may use the stages listed here (and transforms/), nothing above it: the
# report reads indicators, indicators read the store, nobody below reaches up. Only the CLI
# (the top) imports flows/, for ``ntm run``; flows/ imports the stages, never the CLI.
STAGE_MAY_USE = {
    "store": set(),
    "reference": set(),
    "intake": {"store", "reference"},
    "demo": {"intake", "store", "reference"},
    "indicators": {"store", "reference"},
    "report": {"indicators", "store", "reference"},
}


def stage_of(path: Path) -> str:
    """The stage a module of ntm/ belongs to: the first folder under ntm/, however deep the
    module sits (ntm/report/quarterly/targets.py is in the report)."""
    parts = path.relative_to(ROOT / "ntm").parts
    return parts[0] if len(parts) > 1 else ""


def ntm_stages_used(tree: ast.AST) -> set[str]:
    used: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            parts = node.module.split(".")
            if parts[0] == "ntm" and len(parts) > 1:
                used.add(parts[1])
    return used


@pytest.mark.parametrize(
    "path",
    [p for p in modules("ntm") if stage_of(p) in STAGE_MAY_USE],
    ids=lambda p: str(p.relative_to(ROOT / "ntm")),
)
def test_a_stage_uses_only_the_stages_below_it(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    stage = stage_of(path)
    assert ntm_stages_used(tree) - {stage} <= STAGE_MAY_USE[stage]
    assert "flows" not in imported(tree)
    assert "bench" not in imported(tree)


def test_every_ntm_module_sits_in_a_stage() -> None:
    loose = {p.name for p in (ROOT / "ntm").glob("*.py")}
    assert loose == {"__init__.py"}
    stages = {stage_of(p) for p in modules("ntm")} - {""}
    assert stages == {*STAGE_MAY_USE, "cli"}


def test_the_checker_sees_modules_in_subfolders() -> None:
    """A section module two folders down is checked as part of its stage."""
    checked = [p for p in modules("ntm") if stage_of(p) == "report"]
    assert ROOT / "ntm" / "report" / "quarterly" / "targets.py" in checked
    assert ROOT / "ntm" / "report" / "review" / "never_met.py" in checked


def private_imports(tree: ast.AST) -> list[str]:
    """``from module import _name``: a name a module keeps to itself, taken by another."""
    return [
        f"{node.module}.{alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module != "__future__"
        for alias in node.names
        if alias.name.startswith("_") and not alias.name.startswith("__")
    ]


@pytest.mark.parametrize(
    "path",
    [p for package in ("ntm", "flows", "transforms", "bench", "tests") for p in modules(package)],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_no_module_imports_a_private_name(path: Path) -> None:
    """What another module uses is public: builders, helpers and constants alike."""
    assert private_imports(ast.parse(path.read_text(encoding="utf-8"))) == []


def test_the_checker_sees_a_private_import() -> None:
    tree = ast.parse("from __future__ import annotations\nfrom a.b import _c, d, __version__\n")
    assert private_imports(tree) == ["a.b._c"]


@pytest.mark.parametrize("path", modules("flows"), ids=lambda p: p.name)
def test_flows_do_not_import_the_cli(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert "cli" not in ntm_stages_used(tree)


def test_the_checker_sees_a_forbidden_import() -> None:
    tree = ast.parse("import os\nfrom prefect import flow\nfrom ntm.report import x\nopen('x')\n")
    assert {"os", "prefect"} <= imported(tree)
    assert "open" in called(tree)
    assert ntm_stages_used(tree) == {"report"}


def test_templates_hold_no_python() -> None:
    assert list((ROOT / "report_templates").rglob("*.py")) == []


@pytest.mark.parametrize("path", modules("tests"), ids=lambda p: p.name)
def test_test_modules_do_not_import_each_other(path: Path) -> None:
    """Shared code lives in tests/helpers.py and fixtures in conftest.py."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("tests."):
            assert node.module == "tests.helpers", f"{path.name} imports {node.module}"
