"""The layering rule: transforms/ is pure, dependencies point one way."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Modules that orchestrate, render, touch files or the network, or belong to outer layers.
FORBIDDEN_IN_TRANSFORMS = {
    "prefect", "jinja2", "weasyprint", "ntm", "flows", "os", "io", "pathlib", "shutil",
    "tempfile", "socket", "urllib", "http", "httpx", "requests", "subprocess", "fastexcel",
    "xlsxwriter", "openpyxl", "glob", "zipfile",
}  # fmt: skip
# Calls that read or write files, open databases, or read the clock.
FORBIDDEN_CALLS = {
    "open", "read_text", "write_text", "read_bytes", "write_bytes", "read_csv", "scan_csv",
    "read_excel", "write_csv", "write_excel", "read_parquet", "write_parquet", "connect",
    "now", "today", "utcnow",
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


def called(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name):
                names.add(node.func.id)
            elif isinstance(node.func, ast.Attribute):
                names.add(node.func.attr)
    return names


@pytest.mark.parametrize("path", modules("transforms"), ids=lambda p: p.name)
def test_transforms_are_pure(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert imported(tree) & FORBIDDEN_IN_TRANSFORMS == set()
    assert called(tree) & FORBIDDEN_CALLS == set()


@pytest.mark.parametrize(
    "path",
    [p for p in modules("ntm") if p.name != "cli.py"],
    ids=lambda p: p.name,
)
def test_storage_layer_does_not_reach_up(path: Path) -> None:
    """ntm/ (I/O and storage) may use transforms/, never flows/ or rendering from below."""
    assert "flows" not in imported(ast.parse(path.read_text(encoding="utf-8")))


def test_the_checker_sees_a_forbidden_import() -> None:
    tree = ast.parse("import os\nfrom prefect import flow\nopen('x')\n")
    assert {"os", "prefect"} <= imported(tree)
    assert "open" in called(tree)


def test_templates_hold_no_python() -> None:
    assert list((ROOT / "report_templates").rglob("*.py")) == []
