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
    "indicators": {"store", "reference"},
    "report": {"indicators", "store", "reference"},
}


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
    [p for p in modules("ntm") if p.parent.name in STAGE_MAY_USE],
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_a_stage_uses_only_the_stages_below_it(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    stage = path.parent.name
    assert ntm_stages_used(tree) - {stage} <= STAGE_MAY_USE[stage]
    assert "flows" not in imported(tree)
    assert "bench" not in imported(tree)


def test_every_ntm_module_sits_in_a_stage() -> None:
    loose = {p.name for p in (ROOT / "ntm").glob("*.py")}
    assert loose == {"__init__.py", "cli.py"}


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
