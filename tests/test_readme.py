"""The README is true to the tree: every path it names exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
# Top-level entries of this repository: a path that starts with one of them is ours to check
# (paths inside a data dir, such as reports/<period>/, are not in the repository).
REPOSITORY = ("ntm/", "flows/", "transforms/", "report_templates/", "data/reference/",
              "scripts/", "tests/", "bench/", ".ci/")  # fmt: skip


def named_paths(text: str) -> set[str]:
    """Repository paths in `code` spans, and the files and folders of the annotated tree."""
    spans = {m.group(1) for m in re.finditer(r"`([^`\s]+)`", text)}
    tree = text.split("## Folders", 1)[1].split("```text", 1)[1].split("```", 1)[0]
    folders: list[tuple[int, str]] = []
    for line in tree.splitlines():
        match = re.match(r"( *)(\S+)\s", line + " ")
        if not match or ("/" not in match.group(2) and "." not in match.group(2)):
            continue
        indent, name = len(match.group(1)), match.group(2)
        folders = [(i, f) for i, f in folders if i < indent]
        path = "".join(f for _, f in folders) + name
        spans.add(path)
        if name.endswith("/"):
            folders.append((indent, name))
    return {s for s in spans if s.startswith(REPOSITORY) and "<" not in s and "*" not in s}


def test_every_path_the_readme_names_exists():
    paths = named_paths(README.read_text(encoding="utf-8"))
    assert len(paths) > 40  # the tree and the prose both count
    missing = sorted(p for p in paths if not (ROOT / p).exists())
    assert missing == []


def test_the_checker_reads_the_tree_and_sees_a_missing_path():
    text = "`ntm/nope.py`\n## Folders\n```text\nntm/\n  store/\n    paths.py  x\n```\n"
    assert named_paths(text) == {"ntm/nope.py", "ntm/", "ntm/store/", "ntm/store/paths.py"}
