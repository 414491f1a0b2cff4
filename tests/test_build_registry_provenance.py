"""The PROVENANCE file's sections, rendered by scripts/build_registry.py without the packages."""

from __future__ import annotations

import hashlib
import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "build_registry.py"
COMMITTED = ROOT / "data" / "reference" / "admin_units.PROVENANCE.md"


def load_script() -> ModuleType:
    # scripts/ is not a package; dataclasses needs the module in sys.modules while it loads.
    spec = importlib.util.spec_from_file_location("build_registry", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


br = load_script()
SOURCE = "vietnam-provinces==0.5.0"


def row(code: str, name: str, level: str, parent: str, valid_from: str, valid_to: str) -> object:
    unit_type = br.type_from_prefix(level, name)
    return br.Row(code, name, unit_type, level, parent, valid_from, valid_to, SOURCE)


def sample() -> tuple[list[object], list[object]]:
    """Two wards of the city going into Phường Thành Sen on 2025-07-01, one of them assumed."""
    province = row("42", "Tỉnh Hà Tĩnh", "province", "", "2020-01-01", "")
    city = row("436", "Thành phố Hà Tĩnh", "district", "42", "2020-01-01", "2025-07-01")
    bac_ha = row("18070", "Phường Bắc Hà", "commune", "436", "2020-01-01", "2025-07-01")
    nam_ha = row("18071", "Phường Nam Hà", "commune", "436", "2020-01-01", "2025-07-01")
    thanh_sen = row("18073", "Phường Thành Sen", "commune", "42", "2025-07-01", "")
    links = [
        br.Link(bac_ha, thanh_sen, "2025-07-01", "merged_into", "name match", SOURCE),
        br.Link(
            nam_ha,
            thanh_sen,
            "2025-07-01",
            br.ASSUMED,
            "fallback: nearest code still under the district",
            "assumed: test",
            fallback=True,
        ),
    ]
    return [province, city, bac_ha, nam_ha, thanh_sen], links


def render() -> str:
    rows, links = sample()
    rendered: bytes = br.render_provenance(("a.csv", "b.csv"), (b"a", b"b"), rows, links, ["18085"])
    return rendered.decode("utf-8")


def test_sections_in_order_with_one_blank_line_between() -> None:
    text = render()
    headings = re.findall(r"^#{1,2} .*$", text, flags=re.MULTILINE)
    assert headings == [
        "# Provenance of a.csv and b.csv",
        "## The package versions",
        "## Validity",
        "## Crosswalk",
        "## Assumed successors",
    ]
    for heading in headings[1:]:
        assert f"\n\n{heading}\n" in text
        assert f"\n\n\n{heading}\n" not in text
    assert text.index("\n\nNotes:\n") > text.index("### Ending 2025-07-01 (1)")
    assert text.endswith("18073 and 18652).\n")


def test_header_counts_and_checksums() -> None:
    text = render()
    assert f"- sha256 of `a.csv`: `{hashlib.sha256(b'a').hexdigest()}`\n" in text
    assert f"- sha256 of `b.csv`: `{hashlib.sha256(b'b').hexdigest()}`\n" in text
    assert "- Rows in `a.csv`: 5.\n  - from 2020-01-01: 4 rows" in text
    assert "  - closed at 2025-07-01: 1 district rows, 2 commune rows\n- Codes are" in text


def test_crosswalk_and_assumed_sections() -> None:
    text = render()
    assert "| 2025-07-01 | 2 | 0 | 1 | 1 | 2 | none |" in text
    assert "- 18085 → 18652: old Phường Hà Huy Tập went to 18073 Phường Thành Sen" in text
    assert "2 old commune-level rows" not in text
    assert "\n1 old commune-level rows have no successor" in text
    assert "Fallbacks used: `18071` on 2025-07-01 (nearest code still under the district)." in text


def test_fallback_summary_without_fallbacks() -> None:
    assert br.fallback_summary([]) == "No fallback was needed."


def test_fixed_text_matches_committed_file() -> None:
    # The committed file is generated; fixed text edited in the script must be rebuilt into it.
    committed = COMMITTED.read_text(encoding="utf-8")
    for fixed in (br.PACKAGE_VERSIONS_TEXT, br.VALIDITY_TEXT, br.PROVENANCE_NOTES):
        assert fixed in committed
