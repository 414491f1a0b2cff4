"""Build the Hà Tĩnh administrative-unit registry and the old → new unit crosswalk.

Writes, next to each other in ``data/reference/``:

- ``admin_units.csv``: province 42 and every district- and commune-level unit it has had since
  2020-01-01, one row per unit and validity period (half-open ``[valid_from, valid_to)``),
  for three structures: 2020-01-01 (after Resolution 819/NQ-UBTVQH14; ``vietnam-provinces==0.5.0``),
  2025-01-01 (Resolution 1283/NQ-UBTVQH15, Lộc Hà merged into Thạch Hà;
  ``vietnam-provinces==0.6.0``) and 2025-07-01 (districts abolished, 69 commune-level units
  directly under the province; ``vietnam-provinces==2025.10.1``);
- ``unit_crosswalk.csv``: for every row that stops at 2025-01-01 or 2025-07-01, the row that
  succeeded it: where the packages show it (relation ``same`` or ``merged_into``), else a
  provisional successor by a stated rule (``assumed_merged_into``, see
  ``admin_units.PROVENANCE.md``), so that every commune-level row ending on a change date has
  exactly one crosswalk row;
- ``admin_units.PROVENANCE.md``: sources, counts, checksums, how validity and the crosswalk are
  built and which successors are assumed.

The three package versions cannot share one environment, so each is installed in its own
throwaway virtual environment and run as a subprocess that prints the province's units as JSON;
this script itself needs only the standard library. From the repository root:

    for v in 0.5.0 0.6.0 2025.10.1; do
        python3 -m venv /tmp/vp-$v && /tmp/vp-$v/bin/pip install vietnam-provinces==$v
    done
    .venv/bin/python scripts/build_registry.py

``--venvs DIR`` looks for the environments in ``DIR/vp-<version>`` instead of ``/tmp``;
``--output PATH`` writes the registry elsewhere (the crosswalk and the provenance file go next
to it). The output is deterministic: two runs give byte-identical files. The script checks each
package's version, data date, internal consistency (its Python objects against its JSON file)
and the expected counts, and exits with an error if any differ.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import itertools
import json
import re
import subprocess
import sys
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "vietnam-provinces"
PROVINCE_CODE = 42
PROVINCE = str(PROVINCE_CODE)

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO_ROOT / "data" / "reference" / "admin_units.csv"
CROSSWALK_NAME = "unit_crosswalk.csv"
DEFAULT_VENVS = Path("/tmp")


@dataclass(frozen=True)
class Structure:
    """One administrative structure: when it took effect and which package version ships it."""

    valid_from: str
    version: str
    data_date: str
    basis: str
    district_level: bool

    @property
    def source(self) -> str:
        return f"{PACKAGE}=={self.version}"


STRUCTURES = (
    Structure(
        "2020-01-01", "0.5.0", "2023-05-07", "after Resolution 819/NQ-UBTVQH14", district_level=True
    ),
    Structure(
        "2025-01-01", "0.6.0", "2025-01-04", "Resolution 1283/NQ-UBTVQH15", district_level=True
    ),
    Structure(
        "2025-07-01",
        "2025.10.1",
        "2025-10-18",
        "district level abolished (Resolution 1665/NQ-UBTVQH15)",
        district_level=False,
    ),
)
COMMAND = (
    "for v in "
    + " ".join(s.version for s in STRUCTURES)
    + "; do python3 -m venv /tmp/vp-$v && /tmp/vp-$v/bin/pip install vietnam-provinces==$v; "
    "done; .venv/bin/python scripts/build_registry.py"
)

COLUMNS = (
    "unit_code",
    "unit_name",
    "unit_type",
    "unit_level",
    "parent_code",
    "valid_from",
    "valid_to",
    "source",
)
CROSSWALK_COLUMNS = (
    "old_code",
    "old_valid_from",
    "new_code",
    "new_valid_from",
    "change_date",
    "relation",
    "source",
)
LEVEL_ORDER = {"province": 0, "district": 1, "commune": 2}
CODE_WIDTHS = {"province": 2, "district": 3, "commune": 5}

# The package's division types allowed at each level, mapped to our unit_type. Anything else
# (e.g. "quận", "thành phố trung ương") is an error.
UNIT_TYPES = {
    "province": {"tỉnh": "tỉnh"},
    "district": {"thành phố": "thành phố", "thị xã": "thị xã", "huyện": "huyện"},
    "commune": {"xã": "xã", "phường": "phường", "thị trấn": "thị trấn"},
}
# The name prefix of each unit_type. Order matters for matching: "Thị trấn" before "Thị xã".
NAME_PREFIXES = {
    "tỉnh": "Tỉnh ",
    "thành phố": "Thành phố ",
    "thị trấn": "Thị trấn ",
    "thị xã": "Thị xã ",
    "huyện": "Huyện ",
    "xã": "Xã ",
    "phường": "Phường ",
}

EXPECTED_DISTRICTS_2020 = {
    "436": "Thành phố Hà Tĩnh",
    "437": "Thị xã Hồng Lĩnh",
    "439": "Huyện Hương Sơn",
    "440": "Huyện Đức Thọ",
    "441": "Huyện Vũ Quang",
    "442": "Huyện Nghi Xuân",
    "443": "Huyện Can Lộc",
    "444": "Huyện Hương Khê",
    "445": "Huyện Thạch Hà",
    "446": "Huyện Cẩm Xuyên",
    "447": "Huyện Kỳ Anh",
    "448": "Huyện Lộc Hà",
    "449": "Thị xã Kỳ Anh",
}
EXPECTED = {
    "2020-01-01": (
        EXPECTED_DISTRICTS_2020,
        {"xã": 182, "phường": 21, "thị trấn": 13},
    ),
    "2025-01-01": (
        {k: v for k, v in EXPECTED_DISTRICTS_2020.items() if k != "448"},
        {"xã": 171, "phường": 25, "thị trấn": 14},
    ),
    "2025-07-01": ({}, {"xã": 60, "phường": 9}),
}
# District-level successions (not derivable from codes: the district code simply disappears).
# Resolution 1283/NQ-UBTVQH15: Huyện Lộc Hà merged into Huyện Thạch Hà from 2025-01-01. The
# build checks that most of 448's communes are under 445 in the 0.6.0 data.
DISTRICT_SUCCESSORS = {("2025-01-01", "448"): "445"}

# Name matches that the inference below would make but that are wrong: GSO's conversion list
# for 2025-07-01 (BangChuyendoiĐVHCmoi_cu_khong_merge, not shipped by any package version
# installable here) puts these old wards into Phường Thành Sen (18073); the new wards named
# after them were formed from other units. A manual correction, recorded here.
REJECTED_NAME_MATCHES = {
    ("2025-07-01", "18085", "18652"): "old Phường Hà Huy Tập went to 18073 Phường Thành Sen",
    ("2025-07-01", "18094", "18100"): "old Phường Trần Phú went to 18073 Phường Thành Sen",
}
# Relations in the crosswalk. ``assumed_merged_into`` marks a provisional successor chosen by
# ``assume_successor`` because no package says where the old unit went; the department replaces
# these rows by the official conversion table as a data change.
RELATIONS = ("same", "merged_into", "assumed_merged_into")
ASSUMED = "assumed_merged_into"
# Successors that the old unit's name parts suggest, for units whose successor is assumed.
# Never used to map them (the rule is applied to every unmapped unit alike): the provenance file
# says whether the rule agrees.
NAME_HINTS = {
    ("2025-01-01", "18193"): ("18178", "Xã Châu Bình (Sơn Châu + Sơn Bình)"),
    ("2025-01-01", "18205"): ("18202", "Xã Mỹ Long"),
    ("2025-01-01", "18214"): ("18223", "Xã Hàm Trường (Sơn Hàm + Sơn Trường)"),
}
# Other notes printed next to units whose successor is assumed.
ASSUMED_NOTES = {
    ("2025-07-01", "18448"): "appears only in the 0.6.0 data, see below",
}

# Runs inside a throwaway environment holding vietnam-provinces 0.5.x/0.6.x (three levels).
DUMP_DISTRICT_ERA = """
import json, sys
from importlib import metadata
import vietnam_provinces as vp
from vietnam_provinces.enums.districts import DistrictEnum, ProvinceEnum
from vietnam_provinces.enums.wards import WardEnum
P = int(sys.argv[1])
def kind(x):
    return str(getattr(x, "value", x))
prov = ProvinceEnum["P_%d" % P].value
districts = [m.value for m in DistrictEnum if m.value.province_code == P]
codes = {d.code for d in districts}
wards = [m.value for m in WardEnum if m.value.district_code in codes]
api = {
    "province": [prov.code, prov.name, kind(prov.division_type)],
    "districts": sorted([d.code, d.name, kind(d.division_type), P] for d in districts),
    "communes": sorted([w.code, w.name, kind(w.division_type), w.district_code] for w in wards),
}
with open(vp.NESTED_DIVISIONS_JSON_PATH, encoding="utf-8") as handle:
    p = next(x for x in json.load(handle) if x["code"] == P)
data = {
    "province": [p["code"], p["name"], p["division_type"]],
    "districts": sorted([d["code"], d["name"], d["division_type"], P] for d in p["districts"]),
    "communes": sorted(
        [w["code"], w["name"], w["division_type"], d["code"]]
        for d in p["districts"] for w in d["wards"]
    ),
}
print(json.dumps({"package_version": metadata.version("vietnam-provinces"),
                  "data_version": vp.__data_version__, "api": api, "json": data},
                 ensure_ascii=False))
"""

# Runs inside a throwaway environment holding vietnam-provinces 2025.x (province → ward).
DUMP_TWO_LEVEL = """
import json, sys
from importlib import metadata
import vietnam_provinces as vp
from vietnam_provinces import Province, Ward
P = int(sys.argv[1])
prov = Province.from_code(P)
api = {
    "province": [int(prov.code), prov.name, prov.division_type.value],
    "districts": [],
    "communes": sorted(
        [int(w.code), w.name, w.division_type.value, P] for w in Ward.iter_by_province(P)
    ),
}
with open(vp.NESTED_DIVISIONS_JSON_PATH, encoding="utf-8") as handle:
    p = next(x for x in json.load(handle) if x["code"] == P)
data = {
    "province": [p["code"], p["name"], p["division_type"]],
    "districts": [],
    "communes": sorted([w["code"], w["name"], w["division_type"], P] for w in p["wards"]),
}
print(json.dumps({"package_version": metadata.version("vietnam-provinces"),
                  "data_version": vp.__data_version__, "api": api, "json": data},
                 ensure_ascii=False))
"""


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    unit_type: str
    level: str
    parent: str

    @property
    def identity(self) -> tuple[str, str, str]:
        return (self.name, self.unit_type, self.parent)


@dataclass
class Row:
    code: str
    name: str
    unit_type: str
    level: str
    parent: str
    valid_from: str
    valid_to: str
    source: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.code, self.valid_from)

    def covers(self, start: str, end: str) -> bool:
        """Whether this row is valid over the whole of [start, end) (end "" = open)."""
        if self.valid_from > start:
            return False
        if not self.valid_to:
            return True
        return bool(end) and self.valid_to >= end

    def valid_on(self, day: str) -> bool:
        return self.valid_from <= day and (not self.valid_to or self.valid_to > day)

    def csv_row(self) -> list[str]:
        return [
            self.code,
            self.name,
            self.unit_type,
            self.level,
            self.parent,
            self.valid_from,
            self.valid_to,
            self.source,
        ]


@dataclass(frozen=True)
class Link:
    old: Row
    new: Row
    change_date: str
    relation: str
    evidence: str
    source: str
    fallback: bool = False

    def csv_row(self) -> list[str]:
        return [
            self.old.code,
            self.old.valid_from,
            self.new.code,
            self.new.valid_from,
            self.change_date,
            self.relation,
            self.source,
        ]


# Raw package records: [code, name, division_type, parent_code].
RawUnit = tuple[int, str, str, int]


@dataclass(frozen=True)
class Dump:
    version: str
    data_date: str
    province: tuple[int, str, str]
    districts: list[RawUnit]
    communes: list[RawUnit]


def fail(message: str) -> SystemExit:
    return SystemExit(f"build_registry: {message}")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


def fold(text: str) -> str:
    """Lower case without diacritics (đ → d), for spelling-insensitive name comparison."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def type_from_prefix(level: str, name: str) -> str:
    for unit_type in UNIT_TYPES[level]:
        if name.startswith(NAME_PREFIXES[unit_type]):
            return unit_type
    raise fail(f"{level} {name!r}: no known type prefix")


def base_name(name: str) -> str:
    """The name without its type prefix: "Xã Thạch Trung" → "Thạch Trung"."""
    for prefix in NAME_PREFIXES.values():
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


# --- reading the packages ------------------------------------------------------------------


def parse_raw(value: object, what: str) -> RawUnit:
    if (
        isinstance(value, list)
        and len(value) == 4
        and isinstance(value[0], int)
        and isinstance(value[1], str)
        and isinstance(value[2], str)
        and isinstance(value[3], int)
    ):
        return (value[0], value[1], value[2], value[3])
    raise fail(f"{what}: unexpected record {value!r}")


def parse_view(
    view: object, what: str
) -> tuple[tuple[int, str, str], list[RawUnit], list[RawUnit]]:
    if not isinstance(view, dict):
        raise fail(f"{what}: not an object")
    province = view.get("province")
    if not (
        isinstance(province, list)
        and len(province) == 3
        and isinstance(province[0], int)
        and isinstance(province[1], str)
        and isinstance(province[2], str)
    ):
        raise fail(f"{what}: unexpected province {province!r}")
    lists: list[list[RawUnit]] = []
    for field in ("districts", "communes"):
        items = view.get(field)
        if not isinstance(items, list):
            raise fail(f"{what}: {field} is not a list")
        lists.append(sorted(parse_raw(item, f"{what} {field}") for item in items))
    return (province[0], province[1], province[2]), lists[0], lists[1]


def read_package(structure: Structure, venvs: Path) -> Dump:
    python = venvs / f"vp-{structure.version}" / "bin" / "python"
    if not python.exists():
        raise fail(f"{python} not found; create it with: {COMMAND}")
    script = DUMP_TWO_LEVEL if not structure.district_level else DUMP_DISTRICT_ERA
    done = subprocess.run(
        [str(python), "-I", "-c", script, PROVINCE],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    if done.returncode != 0:
        raise fail(f"{structure.source} dump failed:\n{done.stderr}")
    raw = json.loads(done.stdout)
    if not isinstance(raw, dict):
        raise fail(f"{structure.source}: unexpected output")
    version, data_date = raw.get("package_version"), raw.get("data_version")
    if version != structure.version:
        raise fail(f"{python} holds {PACKAGE}=={version}, need {structure.source}")
    if data_date != structure.data_date:
        raise fail(f"{structure.source}: data dated {data_date}, need {structure.data_date}")
    api = parse_view(raw.get("api"), f"{structure.source} objects")
    data = parse_view(raw.get("json"), f"{structure.source} JSON")
    if api != data:
        raise fail(f"{structure.source}: its Python objects and its JSON file disagree")
    province, districts, communes = api
    return Dump(structure.version, structure.data_date, province, districts, communes)


# --- the three structures ------------------------------------------------------------------


def parent_code(level: str, parent: int, structure: Structure) -> str:
    """A district's parent is the province, so is a commune's once districts are gone."""
    if level == "commune" and structure.district_level:
        return f"{parent:0{CODE_WIDTHS['district']}d}"
    if parent != PROVINCE_CODE:
        raise fail(f"{structure.source}: {level} under {parent}, not the province")
    return PROVINCE


def unit_from_package(level: str, raw: RawUnit, structure: Structure) -> Unit:
    """A unit whose package division type is trusted (0.5.0, 2025.10.1)."""
    code, name, division, parent = raw
    allowed = UNIT_TYPES[level]
    division = nfc(division)
    if division not in allowed:
        raise fail(f"{level} {code} {name!r}: unexpected division type {division!r}")
    unit_type = allowed[division]
    unit_name = nfc(name)
    if not unit_name.startswith(NAME_PREFIXES[unit_type]):
        raise fail(f"{level} {code} {unit_name!r}: name does not match type {unit_type!r}")
    above = parent_code(level, parent, structure)
    return Unit(f"{code:0{CODE_WIDTHS[level]}d}", unit_name, unit_type, level, above)


def unit_with_derived_type(
    level: str, raw: RawUnit, structure: Structure, earlier: dict[str, Unit]
) -> Unit:
    """A unit of 0.6.0, whose division types are wrong: the type comes from the 0.5.0 unit of
    the same code and name where there is one, else from the name's prefix."""
    code, name, _division, parent = raw
    unit_code = f"{code:0{CODE_WIDTHS[level]}d}"
    unit_name = nfc(name)
    before = earlier.get(unit_code)
    if before is not None and before.level == level and before.name == unit_name:
        unit_type = before.unit_type
    else:
        unit_type = type_from_prefix(level, unit_name)
    if not unit_name.startswith(NAME_PREFIXES[unit_type]):
        raise fail(f"{level} {unit_code} {unit_name!r}: name does not match type {unit_type!r}")
    return Unit(unit_code, unit_name, unit_type, level, parent_code(level, parent, structure))


def structure_units(dumps: list[Dump]) -> tuple[Unit, list[list[Unit]]]:
    """The province (from 0.5.0) and, per structure, its district- and commune-level units."""
    first = dumps[0]
    code, name, division = first.province
    if code != PROVINCE_CODE:
        raise fail(f"province code {code}")
    province = unit_from_package("province", (code, name, division, PROVINCE_CODE), STRUCTURES[0])
    structures: list[list[Unit]] = []
    earlier: dict[str, Unit] = {}
    for structure, dump in zip(STRUCTURES, dumps, strict=True):
        if dump.province[0] != PROVINCE_CODE:
            raise fail(f"{structure.source}: province code {dump.province[0]}")
        units: list[Unit] = []
        for level, raws in (("district", dump.districts), ("commune", dump.communes)):
            for raw in raws:
                if structure.version == "0.6.0":
                    units.append(unit_with_derived_type(level, raw, structure, earlier))
                else:
                    units.append(unit_from_package(level, raw, structure))
        check_structure(structure, units)
        if not earlier:
            earlier = {u.code: u for u in units}
        structures.append(units)
    return province, structures


def check_structure(structure: Structure, units: list[Unit]) -> None:
    expected_districts, expected_types = EXPECTED[structure.valid_from]
    districts = {u.code: u.name for u in units if u.level == "district"}
    if districts != expected_districts:
        raise fail(f"{structure.source}: district-level units {districts}")
    communes = [u for u in units if u.level == "commune"]
    by_type = dict(Counter(u.unit_type for u in communes))
    if by_type != expected_types:
        raise fail(f"{structure.source}: commune-level units by type {by_type}")
    codes = [u.code for u in units]
    if len(set(codes)) != len(codes):
        raise fail(f"{structure.source}: duplicate unit codes")
    known = set(districts) if structure.district_level else {PROVINCE}
    orphans = [u.code for u in communes if u.parent not in known]
    if orphans:
        raise fail(f"{structure.source}: communes without a parent: {orphans}")


# --- rows with validity --------------------------------------------------------------------


def build_rows(province: Unit, structures: list[list[Unit]]) -> list[Row]:
    """One row per unit and period: a unit whose name, type and parent stay the same keeps its
    row across a boundary; any change, or the code's disappearance, closes the row there."""
    first = STRUCTURES[0]
    rows = [
        Row(
            province.code,
            province.name,
            province.unit_type,
            "province",
            "",
            first.valid_from,
            "",
            first.source,
        )
    ]
    current: dict[str, Row] = {}
    for structure, units in zip(STRUCTURES, structures, strict=True):
        present = set()
        for unit in units:
            present.add(unit.code)
            row = current.get(unit.code)
            if row is not None and (row.name, row.unit_type, row.parent) == unit.identity:
                continue
            if row is not None:
                row.valid_to = structure.valid_from
            row = Row(
                unit.code,
                unit.name,
                unit.unit_type,
                unit.level,
                unit.parent,
                structure.valid_from,
                "",
                structure.source,
            )
            rows.append(row)
            current[unit.code] = row
        for code in sorted(set(current) - present):
            current.pop(code).valid_to = structure.valid_from
    return sorted(rows, key=lambda r: (LEVEL_ORDER[r.level], int(r.code), r.valid_from))


def valid_on(rows: list[Row], day: str) -> list[Row]:
    return [r for r in rows if r.valid_on(day)]


def check_rows(rows: list[Row]) -> None:
    """The loader's checks, and more: every parent row spans its child row's whole period."""
    keys = [r.key for r in rows]
    if len(set(keys)) != len(keys):
        raise fail("a (unit_code, valid_from) pair appears twice")
    by_code: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        if row.valid_to and row.valid_to <= row.valid_from:
            raise fail(f"{row.key}: empty validity period")
        by_code[row.code].append(row)
    for code, periods in by_code.items():
        periods.sort(key=lambda r: r.valid_from)
        for before, after in itertools.pairwise(periods):
            if not before.valid_to or before.valid_to > after.valid_from:
                raise fail(f"validity periods overlap for {code}")
    for row in rows:
        if not row.parent:
            continue
        parents = by_code.get(row.parent, [])
        if not any(p.covers(row.valid_from, row.valid_to) for p in parents):
            raise fail(f"{row.key}: no row of parent {row.parent} spans its validity")
    for structure, (districts, types) in zip(STRUCTURES, EXPECTED.values(), strict=True):
        on = valid_on(rows, structure.valid_from)
        if sorted(r.code for r in on if r.level == "district") != sorted(districts):
            raise fail(f"district-level rows valid on {structure.valid_from} differ")
        if len([r for r in on if r.level == "commune"]) != sum(types.values()):
            raise fail(f"commune-level rows valid on {structure.valid_from} differ")


# --- the crosswalk -------------------------------------------------------------------------


def name_candidates(old: Row, new_rows: list[Row], folded: bool) -> list[Row]:
    """New rows whose name contains the old row's name (without type prefixes) as whole words."""
    norm = fold if folded else (lambda s: s)
    pattern = re.compile(r"(?<!\w)" + re.escape(norm(base_name(old.name))) + r"(?!\w)")
    return [r for r in new_rows if pattern.search(norm(base_name(r.name)))]


def build_crosswalk(rows: list[Row]) -> tuple[list[Link], list[str]]:
    links: list[Link] = []
    rejected_seen: list[str] = []
    for structure in STRUCTURES[1:]:
        links.extend(crosswalk_on(structure, rows, rejected_seen))
    # Checked only after every change date: a rejection may arise on either of them.
    stale = sorted(
        f"{day} {old}→{new}" for day, old, new in REJECTED_NAME_MATCHES if old not in rejected_seen
    )
    if stale:
        raise fail(f"rejected name matches no longer arise: {stale}")
    links.sort(key=lambda k: (k.change_date, LEVEL_ORDER[k.old.level], int(k.old.code)))
    return links, rejected_seen


def crosswalk_on(structure: Structure, rows: list[Row], rejected_seen: list[str]) -> list[Link]:
    """The crosswalk rows for the rows that end on one change date, unsorted: the caller
    sorts all change dates together."""
    day = structure.valid_from
    closed = [r for r in rows if r.valid_to == day]
    opened = {r.code: r for r in rows if r.valid_from == day}
    new_communes = [r for r in valid_on(rows, day) if r.level == "commune"]
    links: list[Link] = []
    found: list[tuple[Row, Row, str]] = []
    lost: list[Row] = []
    for old in closed:
        if old.level == "district":
            successor = DISTRICT_SUCCESSORS.get((day, old.code))
            if successor is not None:
                links.append(district_link(old, successor, structure, rows))
            elif structure.district_level:
                raise fail(f"district {old.code} ends on {day} without a known successor")
            continue
        if old.level != "commune":
            raise fail(f"{old.level} {old.code} ends on {day}")
        if old.code in opened:
            found.append((old, opened[old.code], "code kept"))
            continue
        match = match_by_name(old, new_communes, day, rejected_seen)
        if match is None:
            lost.append(old)
        else:
            found.append((old, match[0], match[1]))
    assumed = [assume_successor(old, found, new_communes, day) for old in lost]
    links.extend(package_links(structure, found, assumed, lost))
    links.extend(assumed)
    return links


def package_links(
    structure: Structure, found: list[tuple[Row, Row, str]], assumed: list[Link], lost: list[Row]
) -> list[Link]:
    """Links for the successors the packages show.

    Takes the assumed links too: a kept code is only ``same`` if no other old unit, mapped or
    assumed, went into it, and no unit of its old district is lost (that one could have).
    """
    into: Counter[str] = Counter(new.code for _, new, _ in found)
    into.update(link.new.code for link in assumed)
    lost_parents = {r.parent for r in lost}
    links: list[Link] = []
    for old, new, evidence in found:
        same = (
            evidence == "code kept"
            and fold(base_name(old.name)) == fold(base_name(new.name))
            and into[new.code] == 1
            and old.parent not in lost_parents
        )
        note = "" if evidence == "code kept" else " (inferred)"
        links.append(
            Link(
                old,
                new,
                structure.valid_from,
                "same" if same else "merged_into",
                evidence,
                f"{structure.source}: {evidence}{note}",
            )
        )
    return links


def assume_successor(
    old: Row, found: list[tuple[Row, Row, str]], new_communes: list[Row], day: str
) -> Link:
    """A provisional successor for an old unit that no package maps.

    Among the new units that have a mapped predecessor from the old unit's district (its parent
    on the day before the change), the one whose code is nearest to the old code, the lower
    code on a tie. GSO codes run roughly in geographic order within a district, so the nearest
    kept code is usually a neighbour. If no new unit has a mapped predecessor from that
    district (on 2025-01-01 in Can Lộc and Hương Khê, whose other communes all continued
    unchanged), the nearest unit still under that district on the change date; only if there
    is none either, the nearest mapped new unit province-wide.
    """
    in_district = {new.key: new for before, new, _ in found if before.parent == old.parent}
    continuing = {r.key: r for r in new_communes if r.parent == old.parent}
    anywhere = {new.key: new for _, new, _ in found}
    if in_district:
        candidates, scope, evidence = (
            in_district,
            f"nearest kept code in former district {old.parent}",
            "nearest kept code in former district",
        )
    elif continuing:
        candidates, scope, evidence = (
            continuing,
            f"nearest code still under district {old.parent} on {day} (fallback: no unit of "
            "the district has a mapped predecessor)",
            "fallback: nearest code still under the district",
        )
    elif anywhere:
        candidates, scope, evidence = (
            anywhere,
            f"nearest kept code province-wide (fallback: no unit of former district "
            f"{old.parent} has a mapped predecessor or continues)",
            "fallback: nearest kept code province-wide",
        )
    else:
        raise fail(f"{old.key}: no new unit on {day} to assume as its successor")
    target = int(old.code)
    new = min(candidates.values(), key=lambda r: (abs(int(r.code) - target), int(r.code)))
    source = f"assumed: {scope} (no official table offline)"
    return Link(old, new, day, ASSUMED, evidence, source, fallback=not in_district)


def match_by_name(
    old: Row, candidates: list[Row], day: str, rejected_seen: list[str]
) -> tuple[Row, str] | None:
    for folded, evidence in ((False, "name match"), (True, "name match ignoring diacritics")):
        hits = name_candidates(old, candidates, folded)
        kept = []
        for hit in hits:
            if (day, old.code, hit.code) in REJECTED_NAME_MATCHES:
                rejected_seen.append(old.code)
            else:
                kept.append(hit)
        if len(kept) == 1:
            return kept[0], evidence
        if len(kept) > 1 or hits:
            return None
    return None


def district_link(old: Row, successor: str, structure: Structure, rows: list[Row]) -> Link:
    day = structure.valid_from
    new = next((r for r in rows if r.code == successor and r.valid_on(day)), None)
    if new is None:
        raise fail(f"district {successor} not valid on {day}")
    before = {r.code for r in rows if r.parent == old.code}
    after = [r for r in valid_on(rows, day) if r.code in before]
    if 2 * sum(r.parent == successor for r in after) <= len(before):
        raise fail(f"most communes of {old.code} are not under {successor} on {day}")
    return Link(
        old,
        new,
        day,
        "merged_into",
        "resolution",
        f"{structure.source}: {structure.basis} (its communes now under {successor})",
    )


def check_crosswalk(rows: list[Row], links: list[Link]) -> None:
    """Keys are registry rows, dates line up, and every commune-level row that ends on a change
    date has exactly one crosswalk row."""
    keys = {r.key for r in rows}
    for link in links:
        if link.old.key not in keys or link.new.key not in keys:
            raise fail(f"crosswalk row {link.csv_row()} references a missing registry row")
        if link.old.valid_to != link.change_date or not link.new.valid_on(link.change_date):
            raise fail(f"crosswalk row {link.csv_row()}: dates do not line up")
        if link.relation not in RELATIONS:
            raise fail(f"crosswalk row {link.csv_row()}: unknown relation")
        if link.new.level != link.old.level:
            raise fail(f"crosswalk row {link.csv_row()}: successor of another level")
    covered = [link.old.key for link in links]
    if len(set(covered)) != len(covered):
        raise fail("an old row is mapped twice")
    change_dates = {s.valid_from for s in STRUCTURES[1:]}
    ending = {r.key for r in rows if r.level == "commune" and r.valid_to}
    if {r.valid_to for r in rows if r.key in ending} - change_dates:
        raise fail("a commune-level row ends on a day that is not a change date")
    if ending - set(covered):
        raise fail(f"old rows without a crosswalk row: {sorted(ending - set(covered))}")


# --- output --------------------------------------------------------------------------------


def render_csv(header: tuple[str, ...], body: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(body)
    return buffer.getvalue().encode("utf-8")


def type_counts(units: list[Row], level: str, order: tuple[str, ...]) -> str:
    counts = Counter(r.unit_type for r in units if r.level == level)
    return ", ".join(f"{counts[t]} {t}" for t in order if counts[t])


RELATION_HEADER = (
    "| Change date | Rows ending | "
    + " | ".join(RELATIONS)
    + " | Crosswalk rows | District level |"
)


def assumed_line(link: Link) -> str:
    """One assumed row for the provenance file, with the name hint's agreement, if any."""
    old, new = link.old, link.new
    scope = link.evidence if link.fallback else f"former district {old.parent}"
    text = (
        f"`{old.code}` {old.name} (district {old.parent}, row from {old.valid_from}) → "
        f"`{new.code}` {new.name} ({scope})"
    )
    hint = NAME_HINTS.get((link.change_date, old.code))
    if hint is not None:
        code, name = hint
        verdict = "the rule agrees" if code == new.code else "the rule disagrees"
        text += f" — name parts suggest {code} {name}: {verdict}"
    for day, old_code, new_code in sorted(REJECTED_NAME_MATCHES):
        if (day, old_code) == (link.change_date, old.code):
            text += f" — name match with {new_code} rejected, see above"
            if new_code == new.code:
                text += f"; the rule picks {new_code} anyway"
    note = ASSUMED_NOTES.get((link.change_date, old.code))
    if note:
        text += f" — {note}"
    return text


def structure_table_lines(rows: list[Row]) -> list[str]:
    """The sources table's body: per structure, its package and the units valid on its first
    day, counted from the rows (not the packages) so the table shows what was written."""
    lines = []
    for structure in STRUCTURES:
        on = valid_on(rows, structure.valid_from)
        districts = [r for r in on if r.level == "district"]
        communes = [r for r in on if r.level == "commune"]
        district_text = (
            f"{len(districts)} district-level units "
            f"({type_counts(on, 'district', ('thành phố', 'thị xã', 'huyện'))}), "
            if districts
            else "no district level, "
        )
        lines.append(
            f"| {structure.valid_from} | `{structure.source}` (data {structure.data_date}) | "
            f"{structure.basis} | {district_text}{len(communes)} commune-level units "
            f"({type_counts(on, 'commune', ('xã', 'phường', 'thị trấn'))}) |"
        )
    return lines


def closed_counts(rows: list[Row]) -> Counter[tuple[str, str]]:
    """Rows closed per (change date, level); shared so the header and the relation table agree."""
    return Counter((r.valid_to, r.level) for r in rows if r.valid_to)


def row_count_lines(rows: list[Row]) -> list[str]:
    """Rows opened per structure, then rows closed per change date."""
    opened = Counter(r.valid_from for r in rows)
    closed = closed_counts(rows)
    return [
        f"  - from {s.valid_from}: {opened[s.valid_from]} rows (source `{s.source}`)"
        for s in STRUCTURES
    ] + [
        f"  - closed at {s.valid_from}: {closed[(s.valid_from, 'district')]} district rows, "
        f"{closed[(s.valid_from, 'commune')]} commune rows"
        for s in STRUCTURES[1:]
    ]


def provenance_header(names: tuple[str, str], files: tuple[bytes, bytes], rows: list[Row]) -> str:
    """Title, sources, command, checksums, row counts and the code conventions."""
    registry_name, crosswalk_name = names
    table = "\n".join(structure_table_lines(rows))
    counts = "\n".join(row_count_lines(rows))
    registry_sha = hashlib.sha256(files[0]).hexdigest()
    crosswalk_sha = hashlib.sha256(files[1]).hexdigest()
    return f"""# Provenance of {registry_name} and {crosswalk_name}

- Source: PyPI package `{PACKAGE}`, three versions (GSO codes, names and division types of
  Vietnam's administrative units), each installed in its own throwaway virtual environment
  and read by `scripts/build_registry.py` through a subprocess (its Python objects are checked
  against its JSON data file):

| Structure from | Package | Basis | Hà Tĩnh |
|---|---|---|---|
{table}

- Produced by `scripts/build_registry.py`, from the repository root:
  `{COMMAND}`
- sha256 of `{registry_name}`: `{registry_sha}`
- sha256 of `{crosswalk_name}`: `{crosswalk_sha}`
- Rows in `{registry_name}`: {len(rows)}.
{counts}
- Codes are the GSO codes as text: 2 digits for the province, 3 for districts, 5 with
  leading zeros for communes. Names are the package's full names with their type prefix,
  NFC-normalised. The province keeps its single 0.5.0 row (`Tỉnh Hà Tĩnh`); 2025.10.1 names it
  just `Hà Tĩnh`.
"""


# Fixed text: the versions are pinned in STRUCTURES; update it when they change.
PACKAGE_VERSIONS_TEXT = """## The package versions

- `0.5.0` (data 2023-05-07): the 2020 structure with correct division types.
- `0.5.8` (data 2025-01-04) is not used: its JSON files already hold the 2025-01-01 structure
  but its Python enums still hold the 2020 one.
- `0.6.0` (data 2025-01-04): the 2025-01-01 structure, objects and JSON agreeing, but every
  district is typed `huyện` and every commune `xã`. unit_type is therefore taken from the
  0.5.0 row of the same code and name where there is one, else from the name's prefix
  (Xã/Phường/Thị trấn, Huyện/Thị xã/Thành phố).
- `2025.10.1` (data 2025-10-18): two levels, province → ward; 69 units for Hà Tĩnh, typed
  correctly. It has no field or data file naming the old units a new one came from: the only
  link is the code, since every new unit reuses the GSO code of one old unit (18073 was Phường
  Nam Hà, is Phường Thành Sen from 2025-07-01).
"""

# Fixed text: it describes build_rows and check_rows; update it when they change.
VALIDITY_TEXT = """## Validity

Each row is valid from `valid_from` (inclusive) until `valid_to` (exclusive, so a successor
row's `valid_from` equals its predecessor's `valid_to`); an empty `valid_to` means the row is
still in force. A row is identified by `(unit_code, valid_from)`, not by `unit_code` alone,
because GSO codes are reused for different units.

- A unit whose code, name, type and parent are the same in consecutive structures keeps one
  row (e.g. a commune of Vũ Quang unchanged on 2025-01-01 has one row 2020-01-01 → 2025-07-01).
- A change of name, type or parent (Lộc Hà's communes moving to Thạch Hà, Thạch Hà's and Cẩm
  Xuyên's communes moving to the city, a xã becoming a phường) closes the row at the change
  date and opens a new one from it; so does the code's disappearance.
- Every district row closes at 2025-07-01 at the latest (Lộc Hà, 448, at 2025-01-01), and so
  does every commune row of the district era: from 2025-07-01 the parent is the province (42).
- The build checks the loader's rules ((unit_code, valid_from) unique, no overlapping periods
  for a code, parents exist) and more: a row of the parent spans each row's whole period, and
  the rows valid on each structure's first day are exactly that structure's units.
"""


def commune_links_on(links: list[Link], day: str) -> list[Link]:
    return [k for k in links if k.change_date == day and k.old.level == "commune"]


def relation_table_lines(rows: list[Row], links: list[Link]) -> list[str]:
    """Per change date: commune-level rows ending, crosswalk rows per relation (these must add
    up to the rows ending) and the district-level links."""
    closed = closed_counts(rows)
    lines = []
    for structure in STRUCTURES[1:]:
        day = structure.valid_from
        commune_links = commune_links_on(links, day)
        by_relation = Counter(k.relation for k in commune_links)
        district_links = [k for k in links if k.change_date == day and k.old.level == "district"]
        district_text = ", ".join(
            f"{k.old.code} → {k.new.code} {k.relation}" for k in district_links
        )
        lines.append(
            f"| {day} | {closed[(day, 'commune')]} | "
            + " | ".join(str(by_relation[r]) for r in RELATIONS)
            + f" | {len(commune_links)} | {district_text or 'none'} |"
        )
    return lines


def evidence_lines(links: list[Link]) -> list[str]:
    """Per change date, how many commune-level links rest on each kind of evidence."""
    lines = []
    for structure in STRUCTURES[1:]:
        day = structure.valid_from
        commune_links = commune_links_on(links, day)
        by_evidence = Counter((k.evidence, k.relation) for k in commune_links)
        parts = ", ".join(f"{n} by {ev} ({rel})" for (ev, rel), n in sorted(by_evidence.items()))
        lines.append(f"- {day}: {len(commune_links)} commune-level rows: {parts}.")
    return lines


def rejected_match_lines(rejected: list[str]) -> list[str]:
    """The manual corrections that actually applied in this build."""
    return [
        f"- {old} → {new}: {reason}"
        for (day, old, new), reason in sorted(REJECTED_NAME_MATCHES.items())
        if old in rejected
    ]


def crosswalk_section(
    crosswalk_name: str, rows: list[Row], links: list[Link], rejected: list[str]
) -> str:
    """How the crosswalk is built, and its counts by relation and evidence."""
    relations = "\n".join(relation_table_lines(rows, links))
    evidence = "\n".join(evidence_lines(links))
    rejections = "\n".join(rejected_match_lines(rejected))
    return f"""## Crosswalk

`{crosswalk_name}` has exactly one row per commune-level row that ends on 2025-01-01 or
2025-07-01 (and one for district 448): `old_code,old_valid_from` → `new_code,new_valid_from`
(both registry keys), `change_date` (= the old row's `valid_to`; the new row is valid on
that day and usually starts on it, but a successor that continues unchanged, such as
district 445, starts earlier), `relation` (`same`, `merged_into` or `assumed_merged_into`)
and `source` (package version and evidence, or the rule for an assumed successor). A 2020
unit that changed on 2025-01-01 and again on 2025-07-01 has two rows (a chain).

- Evidence `code kept`: the new structure has a unit with the old code; it is the old unit's
  successor (the package's codes show which old code each new unit kept).
- Evidence `name match` (inferred): the old code is gone, and the old name (without its type
  prefix) appears, as whole words, in exactly one new unit's name; failing that, the same
  ignoring diacritics (`name match ignoring diacritics`, for the package's spelling variants,
  e.g. Xã Cỗ Đạm → Xã Cổ Đạm).
- Relation `same`: code kept, the same name (ignoring the type prefix and diacritics), no
  other old unit known or assumed to have gone into it, and no unit of the old district whose
  successor is only assumed at that date (it could have gone into it); otherwise
  `merged_into`. So every 2025-07-01 row backed by the packages is `merged_into`.
- Relation `assumed_merged_into`: no package says where the old unit went (see "Assumed
  successors" below); the successor is provisional.
- District level: 448 Huyện Lộc Hà → 445 Huyện Thạch Hà, `merged_into` on 2025-01-01
  (Resolution 1283/NQ-UBTVQH15; the build checks that most of 448's communes are under 445 in
  the 0.6.0 data). The districts abolished on 2025-07-01 have no successor row.

Commune-level rows per relation and change date (district rows in the last column):

{RELATION_HEADER}
|---|---|---|---|---|---|---|
{relations}

By evidence:

{evidence}

Name matches rejected because the GSO conversion table (see below) contradicts them: the new
wards named after these old ones were formed from other units.

{rejections}
"""


def assumed_list_lines(assumed: list[Link]) -> list[str]:
    """A heading per change date, then its assumed rows; each heading starts with a blank line."""
    lines = []
    for structure in STRUCTURES[1:]:
        day = structure.valid_from
        on_day = [k for k in assumed if k.change_date == day]
        lines.append(f"\n### Ending {day} ({len(on_day)})\n")
        lines.extend(f"- {assumed_line(k)}" for k in on_day)
    return lines


def fallback_summary(assumed: list[Link]) -> str:
    fallbacks = [k for k in assumed if k.fallback]
    if not fallbacks:
        return "No fallback was needed."
    return (
        "Fallbacks used: "
        + "; ".join(
            f"`{k.old.code}` on {k.change_date} ({k.evidence.removeprefix('fallback: ')})"
            for k in fallbacks
        )
        + "."
    )


def assumed_section(names: tuple[str, str], links: list[Link]) -> str:
    """The rule for assumed successors, how to replace them, and the list of them."""
    registry_name, crosswalk_name = names
    assumed = [k for k in links if k.relation == ASSUMED]
    fallback_text = fallback_summary(assumed)
    listing = "\n".join(assumed_list_lines(assumed))
    return f"""## Assumed successors

{len(assumed)} old commune-level rows have no successor in the packages: their code is gone
and no new name contains theirs. The 2025-01-01 mapping (Resolution 1283/NQ-UBTVQH15) is in no
package at all, and no installable package version carries GSO's conversion list for
Resolution 1665/NQ-UBTVQH15 (2025-07-01). So that no old unit's households drop out of totals
after a change, and trends across it compare like with like, each gets a provisional
successor, relation `assumed_merged_into`, by one rule applied to all of them alike:

- Let U be the old row, C the change date (U's `valid_to`) and D U's parent district on the
  day before C. Among the new units valid on C that have at least one predecessor mapped by
  the packages (`same` or `merged_into`, above) whose parent on the day before C was D, take
  the one whose code (the old code it kept) is numerically nearest to U's code; on a tie, the
  lower code. GSO codes run roughly in geographic order within a district, so this is usually
  a neighbour, but it is a guess, not a source.
- Fallback, and `source` says so: if no new unit qualifies in D, the nearest code among the
  units still under D on C (rows that continue across C unchanged; such a successor's
  `new_valid_from` is its earlier start); only if there is none either, the nearest code
  among all new units with a mapped predecessor, province-wide. The first fallback matters on
  2025-01-01, when every other commune of Can Lộc (443) and of Hương Khê (444) continued
  unchanged, so that no mapped unit of those districts exists and the nearest mapped code
  province-wide would move the unit into another district.
  {fallback_text}
- `source` states the rule, e.g. `assumed: nearest kept code in former district 443 (no
  official table offline)`.
- Names are not used, even where they hint at a successor (Sơn Bình, Sơn Long, Sơn Hàm on
  2025-01-01); the list below says whether the hint agrees with the rule.

These rows are provisional until the department supplies the official conversion table
(GSO's conversion list for Resolution 1665/NQ-UBTVQH15 for 2025-07-01; Resolution
1283/NQ-UBTVQH15 for 2025-01-01). To replace them, edit `{crosswalk_name}` as a data change:

- In each row whose `relation` is `assumed_merged_into`, set `new_code` and `new_valid_from`
  to the registry key (`unit_code`, `valid_from` in `{registry_name}`) of the official
  successor, a row valid on `change_date` (for 2025-07-01: its code and `2025-07-01`); set
  `relation` to `merged_into` (or `same` if the official table shows the unit unchanged) and
  `source` to the document. Keep `old_code`, `old_valid_from` and `change_date`, and keep one
  row per old row: where the table splits an old unit between several new units, name the
  one that took most of its households and say so in `source`.
- Review the `same` rows of the same former district: a unit that, per the table, also
  received another old unit is `merged_into`.
- `ntm.reference.load_reference` rejects any row whose keys are not registry rows, and
  `tests/test_registry.py` checks the dates, that every ending row has exactly one crosswalk
  row, and pins the number of assumed rows (update it as rows are replaced).
- `scripts/build_registry.py` rewrites `{crosswalk_name}` from the packages and would bring
  the assumed rows back: once official rows are in, carry them over by hand after a rebuild
  (or build them into the script).
{listing}
"""


# Checked by hand against GSO's conversion list, which the build cannot read.
PROVENANCE_NOTES = """Notes:

- `18448 Xã Bình Lộc` appears under Thạch Hà only in the 0.6.0 data (2025-01-04): the 2020
  structure has no unit 18448, no 2020 unit disappears into it, and the GSO conversion table
  for 2025-07-01 (below) does not list it. It may be an error in GSO's list. It is kept as the
  package has it (2025-01-01 → 2025-07-01), so Thạch Hà is expected to report 23 communes for
  2025 Q1–Q2; if its reports lack Bình Lộc, this row is the likely culprit.
- A complete old → new table for 2025-07-01 does exist: GSO's conversion list
  `BangChuyendoiĐVHCmoi_cu_khong_merge`. It is in no package version installable here
  (2025.10.1 is the newest) and is not used for the crosswalk, except as the manual
  correction that rejects the two wrong name matches above. It agrees with every `code
  kept` and every other name match here, maps every 2025-01-01 unit but 18448, and marks some
  units as split between several new units (e.g. 18082 Phường Đại Nài → 18073 and 18652).
"""


def render_provenance(
    names: tuple[str, str],
    files: tuple[bytes, bytes],
    rows: list[Row],
    links: list[Link],
    rejected: list[str],
) -> bytes:
    # Every section ends with a newline, so joining on one more leaves one blank line between.
    sections = (
        provenance_header(names, files, rows),
        PACKAGE_VERSIONS_TEXT,
        VALIDITY_TEXT,
        crosswalk_section(names[1], rows, links, rejected),
        assumed_section(names, links),
        PROVENANCE_NOTES,
    )
    return "\n".join(sections).encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help=f"registry CSV to write (default: {DEFAULT_OUTPUT.relative_to(REPO_ROOT)})",
    )
    parser.add_argument(
        "--venvs",
        type=Path,
        default=DEFAULT_VENVS,
        help="directory holding the vp-<version> environments (default: /tmp)",
    )
    args = parser.parse_args(argv)
    output: Path = args.output

    dumps = [read_package(structure, args.venvs) for structure in STRUCTURES]
    province, structures = structure_units(dumps)
    rows = build_rows(province, structures)
    check_rows(rows)
    links, rejected = build_crosswalk(rows)
    check_crosswalk(rows, links)

    registry_bytes = render_csv(COLUMNS, [r.csv_row() for r in rows])
    crosswalk_bytes = render_csv(CROSSWALK_COLUMNS, [k.csv_row() for k in links])
    crosswalk = output.with_name(CROSSWALK_NAME)
    provenance = output.with_name(f"{output.stem}.PROVENANCE.md")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(registry_bytes)
    crosswalk.write_bytes(crosswalk_bytes)
    provenance.write_bytes(
        render_provenance(
            (output.name, crosswalk.name),
            (registry_bytes, crosswalk_bytes),
            rows,
            links,
            rejected,
        )
    )
    print(
        f"wrote {len(rows)} rows to {output}, {len(links)} to {crosswalk}, and {provenance} "
        f"({sum(k.relation == ASSUMED for k in links)} successors assumed)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
