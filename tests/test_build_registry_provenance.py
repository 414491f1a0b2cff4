"""The PROVENANCE file's sections, rendered by scripts/build_registry.py without the packages,
and the steps that map the rows of 2025-01-01 through the package's former names."""

from __future__ import annotations

import hashlib
import importlib.util
import re
import sys
import unicodedata
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

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
TABLE = "vietnamadminunits==1.0.4: converter_2025.json"
FORMER = "vietnamadminunits==1.0.4: dataset.db former name (test)"


def row(code: str, name: str, level: str, parent: str, valid_from: str, valid_to: str) -> Any:
    unit_type = br.type_from_prefix(level, name)
    return br.Row(code, name, unit_type, level, parent, valid_from, valid_to, SOURCE)


def sample() -> tuple[list[Any], list[Any]]:
    """On 2025-01-01, a unit mapped through a former name into a unit whose row runs on; on
    2025-07-01, a ward merged into Phường Thành Sen, Phường Đại Nài divided between it and
    Phường Hà Huy Tập, and two units merged into Xã Hương Phố, one of them by a kept code."""
    province = row("42", "Tỉnh Hà Tĩnh", "province", "", "2020-01-01", "")
    city = row("436", "Thành phố Hà Tĩnh", "district", "42", "2020-01-01", "2025-07-01")
    huong_khe = row("444", "Huyện Hương Khê", "district", "42", "2020-01-01", "2025-07-01")
    bac_ha = row("18070", "Phường Bắc Hà", "commune", "436", "2020-01-01", "2025-07-01")
    dai_nai = row("18082", "Phường Đại Nài", "commune", "436", "2020-01-01", "2025-07-01")
    phu_phong = row("18535", "Xã Phú Phong", "commune", "444", "2020-01-01", "2025-01-01")
    town = row("18496", "Thị trấn Hương Khê", "commune", "444", "2020-01-01", "2025-07-01")
    gia_pho = row("18532", "Xã Gia Phố", "commune", "444", "2020-01-01", "2025-07-01")
    thanh_sen = row("18073", "Phường Thành Sen", "commune", "42", "2025-07-01", "")
    ha_huy_tap = row("18652", "Phường Hà Huy Tập", "commune", "42", "2025-07-01", "")
    huong_pho = row("18532", "Xã Hương Phố", "commune", "42", "2025-07-01", "")
    divided = f"{TABLE}, divided among 18073 and 18652, default successor 18073"
    links = [
        br.Link(phu_phong, town, "2025-01-01", "merged_into", br.FORMER_NAME_EVIDENCE, FORMER),
        br.Link(bac_ha, thanh_sen, "2025-07-01", "merged_into", "conversion table", TABLE),
        br.Link(
            dai_nai, ha_huy_tap, "2025-07-01", br.DIVIDED, "conversion table, divided", divided
        ),
        br.Link(
            dai_nai,
            thanh_sen,
            "2025-07-01",
            br.DIVIDED_DEFAULT,
            "conversion table, divided",
            divided,
        ),
        br.Link(town, huong_pho, "2025-07-01", "merged_into", "conversion table", TABLE),
        br.Link(
            gia_pho,
            huong_pho,
            "2025-07-01",
            "merged_into",
            "conversion table, code kept agrees",
            TABLE,
        ),
    ]
    rows = [province, city, huong_khe, bac_ha, dai_nai, phu_phong, town, gia_pho]
    return [*rows, thanh_sen, ha_huy_tap, huong_pho], links


def table() -> Any:
    return br.Table(
        successors={},
        aliases={},
        areas={"18073": 28.23, "18652": 32.62, "18532": 101.5},
        spelling=[("18391", "Xã Cỗ Đạm", "Xã Cổ Đạm")],
        sha256={"converter_2025.json": "c" * 64, "dataset.db": "d" * 64},
        whole=2,
    )


def render() -> str:
    rows, links = sample()
    rendered: bytes = br.render_provenance(
        ("a.csv", "b.csv"), (b"a", b"b"), rows, links, ["18085"], table()
    )
    return rendered.decode("utf-8")


def test_sections_in_order_with_one_blank_line_between() -> None:
    text = render()
    headings = re.findall(r"^#{1,2} .*$", text, flags=re.MULTILINE)
    assert headings == [
        "# Provenance of a.csv and b.csv",
        "## The package versions",
        "## Validity",
        "## Crosswalk",
        "## The 2025-07-01 conversion table",
        "## Former names (2025-01-01)",
    ]
    for heading in headings[1:]:
        assert f"\n\n{heading}\n" in text
        assert f"\n\n\n{heading}\n" not in text
    assert text.index("\n\nNotes:\n") > text.index("## Former names (2025-01-01)")
    # No assumed relation, rule or section is left.
    assert "assumed_merged_into" not in text
    assert "No row is assumed: every row comes from a package's data" in text
    assert text.endswith("(e.g. 18082 Phường Đại Nài → 18073 and 18652, as in the table).\n")


def test_header_counts_and_checksums() -> None:
    text = render()
    assert f"- sha256 of `a.csv`: `{hashlib.sha256(b'a').hexdigest()}`\n" in text
    assert f"- sha256 of `b.csv`: `{hashlib.sha256(b'b').hexdigest()}`\n" in text
    assert f"  - `data/converter_2025.json`: sha256 `{'c' * 64}`\n" in text
    assert "- Rows in `a.csv`: 11.\n  - from 2020-01-01: 8 rows" in text
    assert "  - closed at 2025-01-01: 0 district rows, 1 commune rows\n" in text
    assert "  - closed at 2025-07-01: 2 district rows, 4 commune rows\n- Codes are" in text
    assert "/tmp/vau-1.0.4/bin/pip install vietnamadminunits==1.0.4; .venv/bin/python" in text


def test_crosswalk_section_counts_rows_by_relation_and_evidence() -> None:
    text = render()
    assert (
        "| Change date | Rows ending | same | merged_into | divided_default | divided "
        "| Crosswalk rows | District level |\n"
        "|---|---|---|---|---|---|---|---|\n"
        "| 2025-01-01 | 1 | 0 | 1 | 0 | 0 | 1 | none |\n"
        "| 2025-07-01 | 4 | 0 | 3 | 1 | 1 | 5 | none |\n"
    ) in text
    assert (
        "- 2025-01-01: 1 commune-level rows: 1 by dataset.db former name (merged_into).\n"
        "- 2025-07-01: 5 commune-level rows: 2 by conversion table (merged_into), 1 by "
        "conversion table, code kept agrees (merged_into), 1 by conversion table, divided "
        "(divided), 1 by conversion table, divided (divided_default).\n"
    ) in text
    assert "- 18085 → 18652: old Phường Hà Huy Tập went to 18073 Phường Thành Sen" in text


def test_table_section_lists_the_divided_units_default_first() -> None:
    text = render()
    dai_nai = "| `18082` Phường Đại Nài (district 436, row from 2020-01-01) | "
    assert (
        f"{dai_nai}`18073` Phường Thành Sen | `divided_default` | 28.23 |\n"
        f"{dai_nai}`18652` Phường Hà Huy Tập | `divided` | 32.62 |\n"
    ) in text
    assert "All 4 commune-level rows ending on 2025-07-01 are mapped from the table" in text
    assert "- `18391`: Xã Cỗ Đạm here, Xã Cổ Đạm in the package." in text
    assert "mapped through the package's former names:\n\n- none\n" in text
    assert "- 1 of the rows are also shown by `vietnam-provinces==2025.10.1`" in text


def test_former_names_section() -> None:
    text = render()
    assert (
        "Mapped through a former name (1):\n\n"
        "- 2025-01-01: `18535` Xã Phú Phong (district 444, row from 2020-01-01) → `18496` Thị "
        "trấn Hương Khê (district 444, row from 2020-01-01); its former names include "
        "`xaphuphong`\n\n"
        "Mapped by `vietnam-provinces`, and the former names agree (0):\n\n- none\n"
    ) in text
    # The successor's row runs on across the change: say how to compare its figures.
    assert "\n`18496` Thị trấn Hương Khê kept their code, name, type and district" in text


def test_former_names_section_lists_the_agreeing_rows() -> None:
    old = row("18178", "Xã Sơn Châu", "commune", "439", "2020-01-01", "2025-01-01")
    new = row("18178", "Xã Châu Bình", "commune", "439", "2025-01-01", "2025-07-01")
    agreeing = br.Link(old, new, "2025-01-01", "merged_into", "code kept, former name agrees", "")
    text = br.former_names_section([agreeing])
    assert (
        "Mapped through a former name (0):\n\n- none\n\n"
        "Mapped by `vietnam-provinces`, and the former names agree (1):\n\n"
        "- 2025-01-01: `18178` Xã Sơn Châu (district 439, row from 2020-01-01) → `18178` Xã "
        "Châu Bình (district 439, row from 2025-01-01); its former names include `xasonchau`\n"
    ) in text
    assert "kept their code" not in text  # the successor starts on the change date


def test_slug_is_the_packages_key() -> None:
    assert br.slug("Phường Đại Nài") == "phuongdainai"
    assert br.slug("Xã Sơn Kim 1") == "xasonkim1"
    assert br.slug("Thị xã Kỳ Anh") == "thixakyanh"
    assert br.slug("Xã Cỗ Đạm") == br.slug("Xã Cổ Đạm") == "xacodam"
    # Decomposed input (NFD) gives the same key.
    assert br.slug(unicodedata.normalize("NFD", "Tỉnh Hà Tĩnh")) == "tinhhatinh"


def test_divided_links_mark_the_default() -> None:
    rows, _ = sample()
    by_key = {(r.code, r.valid_from): r for r in rows}
    dai_nai = by_key[("18082", "2020-01-01")]
    parts = [
        (by_key[("18652", "2025-07-01")], br.Part("phuonghahuytap", False, 32.62)),
        (by_key[("18073", "2025-07-01")], br.Part("phuongthanhsen", True, 28.23)),
    ]
    links = br.divided_links(dai_nai, parts, "2025-07-01")
    assert [(k.new.code, k.relation) for k in links] == [
        ("18652", "divided"),
        ("18073", "divided_default"),
    ]
    assert {k.source for k in links} == {
        f"{TABLE}, divided among 18073 and 18652, default successor 18073; "
        "no area per part in the package"
    }


def test_check_crosswalk_accepts_a_divided_unit_only_as_such() -> None:
    rows, links = sample()
    br.check_crosswalk(rows, links)  # the sample is consistent
    merged = [
        br.Link(k.old, k.new, k.change_date, "merged_into", k.evidence, k.source)
        if k.relation == br.DIVIDED
        else k
        for k in links
    ]
    with pytest.raises(SystemExit, match="mapped 2 times, not as a divided unit"):
        br.check_crosswalk(rows, merged)
    alone = [k for k in links if k.relation != br.DIVIDED]
    with pytest.raises(SystemExit, match="divided into one unit"):
        br.check_crosswalk(rows, alone)


def test_fixed_text_matches_committed_file() -> None:
    # The committed file is generated; fixed text edited in the script must be rebuilt into it.
    committed = COMMITTED.read_text(encoding="utf-8")
    for fixed in (br.PACKAGE_VERSIONS_TEXT, br.VALIDITY_TEXT, br.PROVENANCE_NOTES):
        assert fixed in committed


# --- former names (2025-01-01) ------------------------------------------------------------

DAY = "2025-01-01"


def legacy(code: str, key: str, district: str, name: str, *aliases: str) -> Any:
    return br.LegacyUnit(f"district{district}", key, district, code, name, aliases)


def lost_and_host() -> tuple[Any, Any, Any]:
    phu_phong = row("18535", "Xã Phú Phong", "commune", "444", "2020-01-01", DAY)
    town = row("18496", "Thị trấn Hương Khê", "commune", "444", "2020-01-01", "2025-07-01")
    unit = legacy("18496", "thitranhuongkhe", "444", "Thị trấn Hương Khê", "xaphuphong")
    return phu_phong, town, unit


def test_former_name_hosts_find_the_unit_listing_the_old_name() -> None:
    phu_phong, town, unit = lost_and_host()
    other = legacy("18499", "xadienmy", "444", "Xã Điền Mỹ", "xaphuongmy")
    hosts = br.former_name_hosts([phu_phong], [other, unit], [town], DAY)
    assert hosts == {phu_phong.key: town}
    # Only in the row's district, or the one that took it over (448 → 445 on 2025-01-01).
    elsewhere = legacy("18496", "thitranhuongkhe", "443", "Thị trấn Hương Khê", "xaphuphong")
    assert br.former_name_hosts([phu_phong], [elsewhere], [town], DAY) == {}
    tan_loc = row("18409", "Xã Tân Lộc", "commune", "448", "2020-01-01", DAY)
    hong_loc = row("18412", "Xã Hồng Lộc", "commune", "445", DAY, "2025-07-01")
    host = legacy("18412", "xahongloc", "445", "Xã Hồng Lộc", "xatanloc")
    assert br.former_name_hosts([tan_loc], [host], [hong_loc], DAY) == {tan_loc.key: hong_loc}


def test_former_name_hosts_fail_loudly() -> None:
    phu_phong, town, unit = lost_and_host()
    twice = legacy("18499", "xadienmy", "444", "Xã Điền Mỹ", "xaphuphong")
    with pytest.raises(SystemExit, match=r"Xã Phú Phong \(18535\) is a former name of"):
        br.former_name_hosts([phu_phong], [unit, twice], [town], DAY)
    with pytest.raises(SystemExit, match="is not a registry row valid from 2025-01-01"):
        br.former_name_hosts([phu_phong], [unit], [], DAY)
    ends_early = row("18496", "Thị trấn Hương Khê", "commune", "444", "2020-01-01", "2025-03-01")
    with pytest.raises(SystemExit, match="is not a registry row valid from 2025-01-01"):
        br.former_name_hosts([phu_phong], [unit], [ends_early], DAY)
    renamed = legacy("18496", "xahuongkhe", "444", "Xã Hương Khê", "xaphuphong")
    with pytest.raises(SystemExit, match="is not a registry row valid from 2025-01-01"):
        br.former_name_hosts([phu_phong], [renamed], [town], DAY)


def test_former_name_successors_are_pinned_and_must_agree(monkeypatch: Any) -> None:
    phu_phong, town, _ = lost_and_host()
    hosts = {phu_phong.key: town}
    monkeypatch.setattr(br, "EXPECTED_FORMER_NAMES", {(DAY, "18535"): "18496"})
    monkeypatch.setattr(br, "EXPECTED_FORMER_NAMES_AGREEING", {})
    former = br.former_name_successors(DAY, [], [phu_phong], hosts)
    assert former == [(phu_phong, town, br.FORMER_NAME_EVIDENCE)]
    # A row no package maps stops the build; nothing is assumed.
    with pytest.raises(SystemExit, match=r"ending on 2025-01-01 that no package maps .*18535"):
        br.former_name_successors(DAY, [], [phu_phong], {})
    # vietnam-provinces and the former names must agree.
    gia_pho = row("18532", "Xã Gia Phố", "commune", "444", "2020-01-01", "2025-07-01")
    with pytest.raises(SystemExit, match="former names disagree"):
        br.former_name_successors(DAY, [(phu_phong, gia_pho, "name match")], [], hosts)
    # The package saying otherwise than the pins stops the build.
    monkeypatch.setattr(br, "EXPECTED_FORMER_NAMES", {(DAY, "18535"): "18532"})
    with pytest.raises(SystemExit, match="mapped through former names"):
        br.former_name_successors(DAY, [], [phu_phong], hosts)


def test_the_pinned_former_names() -> None:
    assert br.EXPECTED_FORMER_NAMES == {
        (DAY, "18193"): "18178",
        (DAY, "18205"): "18202",
        (DAY, "18214"): "18223",
        (DAY, "18472"): "18484",
        (DAY, "18535"): "18496",
    }
    assert "assumed_merged_into" not in br.RELATIONS


def test_package_links_merge_a_former_name_successor_with_its_own_predecessor() -> None:
    structure = br.STRUCTURES[1]
    son_chau = row("18178", "Xã Sơn Châu", "commune", "439", "2020-01-01", DAY)
    son_binh = row("18193", "Xã Sơn Bình", "commune", "439", "2020-01-01", DAY)
    chau_binh = row("18178", "Xã Châu Bình", "commune", "439", DAY, "2025-07-01")
    kept = row("18181", "Xã Sơn Tây", "commune", "439", "2020-01-01", DAY)
    kept_new = row("18181", "Xã Sơn Tây", "commune", "439", DAY, "2025-07-01")
    found = [(son_chau, chau_binh, "code kept"), (kept, kept_new, "code kept")]
    former = [(son_binh, chau_binh, br.FORMER_NAME_EVIDENCE)]
    hosts = {son_chau.key: chau_binh, son_binh.key: chau_binh}
    links = br.package_links(structure, found, former, hosts)
    assert [(k.old.code, k.new.code, k.relation, k.evidence) for k in links] == [
        ("18178", "18178", "merged_into", "code kept, former name agrees"),
        ("18181", "18181", "same", "code kept"),
        ("18193", "18178", "merged_into", br.FORMER_NAME_EVIDENCE),
    ]
    assert links[0].source == (
        "vietnam-provinces==0.6.0: code kept "
        "(vietnamadminunits==1.0.4: dataset.db former name agrees)"
    )
    assert links[2].source == (
        "vietnamadminunits==1.0.4: dataset.db former name (18178 Xã Châu Bình lists xasonbinh; "
        "vietnam-provinces==0.6.0 has neither its code nor its name)"
    )
