"""Build the Hà Tĩnh administrative-unit registry and the old → new unit crosswalk.

Writes, next to each other in ``data/reference/``:

- ``admin_units.csv``: province 42 and every district- and commune-level unit it has had since
  2020-01-01, one row per unit and validity period (half-open ``[valid_from, valid_to)``),
  for three structures: 2020-01-01 (after Resolution 819/NQ-UBTVQH14; ``vietnam-provinces==0.5.0``),
  2025-01-01 (Resolution 1283/NQ-UBTVQH15, Lộc Hà merged into Thạch Hà;
  ``vietnam-provinces==0.6.0``) and 2025-07-01 (districts abolished, 69 commune-level units
  directly under the province; ``vietnam-provinces==2025.10.1``);
- ``unit_crosswalk.csv``: for every row that stops at 2025-01-01 or 2025-07-01, the row or rows
  that succeeded it. On 2025-07-01 from the conversion table of ``vietnamadminunits==1.0.4``
  (``data/converter_2025.json``; relation ``same``, ``merged_into``, or ``divided_default``
  and ``divided`` for the parts of an old unit split between several new ones). On 2025-01-01
  where ``vietnam-provinces`` shows it (``same`` or ``merged_into``), else through the former
  names that ``vietnamadminunits``' ``data/dataset.db`` lists for the 2025-01-01 units
  (``merged_into``). No successor is assumed: a row that no package maps stops the build.
  Every commune-level row ending on a change date has exactly one crosswalk row that is not
  ``divided`` (its successor, or its default successor if it was divided);
- ``admin_units.PROVENANCE.md``: sources, counts, checksums, how validity and the crosswalk are
  built, where each crosswalk row comes from, and the divided units with their parts.

The package versions cannot share one environment, so each is installed in its own throwaway
virtual environment and run as a subprocess that prints what is needed as JSON; this script
itself needs only the standard library. From the repository root:

    for v in 0.5.0 0.6.0 2025.10.1; do
        python3 -m venv /tmp/vp-$v && /tmp/vp-$v/bin/pip install vietnam-provinces==$v
    done
    python3 -m venv /tmp/vau-1.0.4 && /tmp/vau-1.0.4/bin/pip install vietnamadminunits==1.0.4
    .venv/bin/python scripts/build_registry.py

``--venvs DIR`` looks for the environments in ``DIR/vp-<version>`` and ``DIR/vau-1.0.4``
instead of ``/tmp``; ``--output PATH`` writes the registry elsewhere (the crosswalk and the
provenance file go next to it). The output is deterministic: two runs give byte-identical
files. The script checks each package's version, data date or file checksums, internal
consistency (vietnam-provinces' Python objects against its JSON file; vietnamadminunits'
conversion table against its own unit codes) and the expected counts, and exits with an error
if any differ.
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
from datetime import date, timedelta
from pathlib import Path
from typing import Any

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

# The 2025-07-01 conversion table: PyPI package vietnamadminunits (MIT), in its own environment.
# Its files are found through the installed distribution's RECORD (the package, which needs
# geopy and shapely, is not imported) and must have these checksums.
CONVERTER_PACKAGE = "vietnamadminunits"
CONVERTER_VERSION = "1.0.4"
CONVERTER_SOURCE = f"{CONVERTER_PACKAGE}=={CONVERTER_VERSION}"
CONVERTER_VENV = f"vau-{CONVERTER_VERSION}"
CONVERTER_DAY = "2025-07-01"
CONVERTER_FILES = {
    "converter_2025.json": "84f0848bf401b047775cbb49768c181a9271f77e4a4ec706d293b09bcb4faddd",
    "dataset.db": "147cbbf81c8964bb594e1dda7ebab5649bce21efbfd6cb508cab7fefca62257d",
}
# What the table holds for Hà Tĩnh: old units folded whole into one new unit, and the divided
# ones (old code → default successor, the other new units that got a part). Checked at build.
EXPECTED_WHOLE = 207
EXPECTED_DIVIDED = {
    "18082": ("18073", ("18652",)),  # Phường Đại Nài → Thành Sen (default), Hà Huy Tập
    "18796": ("18823", ("18754", "18832")),  # Xã Kỳ Lợi → Vũng Áng (default), Sông Trí, Hoành Sơn
}
# Registry rows valid on the day before 2025-07-01 that the table lacks, and the 2025-01-01
# unit whose former name (alias in the package's dataset.db) each is: its successor is that
# unit's. 18448 Xã Bình Lộc appears only in vietnam-provinces 0.6.0; dataset.db gives "Bình
# Lộc" as a former name of 18430 Xã Bình An.
EXPECTED_ALIASES = {"18448": "18430"}
# The 2025-01-01 change is in no conversion table. dataset.db lists, for some units of the
# 2025-01-01 structure, the names of the units merged into them (wardAlias). Commune-level rows
# ending on 2025-01-01 whose code is gone and whose name no 0.6.0 unit contains: (change date,
# old code) → the unit of the same district (or the district it passed to) listing the old name
# as a former name, its successor. Checked at build: the build fails if dataset.db says
# otherwise or any such row is left without a successor.
EXPECTED_FORMER_NAMES = {
    ("2025-01-01", "18193"): "18178",  # Xã Sơn Bình → Xã Châu Bình
    ("2025-01-01", "18205"): "18202",  # Xã Sơn Long → Xã Mỹ Long
    ("2025-01-01", "18214"): "18223",  # Xã Sơn Hàm → Xã Hàm Trường
    ("2025-01-01", "18472"): "18484",  # Xã Trung Lộc → Thị trấn Đồng Lộc
    ("2025-01-01", "18535"): "18496",  # Xã Phú Phong → Thị trấn Hương Khê
}
# Rows ending on 2025-01-01 that vietnam-provinces maps (code kept or name match) and whose name
# dataset.db also lists as a former name: the two must agree (the build fails otherwise).
EXPECTED_FORMER_NAMES_AGREEING = {
    ("2025-01-01", "18077"): "18077",  # Phường Nguyễn Du → Phường Bắc Hà
    ("2025-01-01", "18094"): "18094",  # Phường Thạch Linh → Phường Trần Phú
    ("2025-01-01", "18178"): "18178",  # Xã Sơn Châu → Xã Châu Bình
    ("2025-01-01", "18202"): "18202",  # Xã Sơn Trà → Xã Mỹ Long
    ("2025-01-01", "18223"): "18223",  # Xã Sơn Trường → Xã Hàm Trường
}
FORMER_NAME_EVIDENCE = "dataset.db former name"

COMMAND = (
    "for v in "
    + " ".join(s.version for s in STRUCTURES)
    + "; do python3 -m venv /tmp/vp-$v && /tmp/vp-$v/bin/pip install vietnam-provinces==$v; "
    f"done; python3 -m venv /tmp/{CONVERTER_VENV} && /tmp/{CONVERTER_VENV}/bin/pip install "
    f"{CONVERTER_SOURCE}; .venv/bin/python scripts/build_registry.py"
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
# Relations in the crosswalk. ``divided_default`` and ``divided``: an old unit split between
# several new units, one row per new unit that got a part; ``divided_default`` is the part the
# conversion table names as the default successor, ``divided`` any other part (leaving out the
# ``divided`` rows leaves exactly one successor per old row). Every row comes from a package:
# there is no assumed relation.
RELATIONS = ("same", "merged_into", "divided_default", "divided")
DIVIDED = "divided"
DIVIDED_DEFAULT = "divided_default"

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


# Runs inside the throwaway environment holding vietnamadminunits: prints the province's part
# of the conversion table and of the package's unit lists (with GSO codes), and each data
# file's sha256 and whether it matches the installed distribution's RECORD.
DUMP_CONVERTER = """
import base64, hashlib, json, sqlite3, sys
from importlib import metadata
KEY = sys.argv[1]
dist = metadata.distribution("vietnamadminunits")
files = {str(f): f for f in dist.files or []}
def read(name):
    f = files["vietnamadminunits/data/" + name]
    data = f.locate().read_bytes()
    digest = hashlib.sha256(data).digest()
    recorded = f.hash.value if f.hash is not None and f.hash.mode == "sha256" else None
    ok = recorded == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return data, [hashlib.sha256(data).hexdigest(), ok], str(f.locate())
table, table_check, _ = read("converter_2025.json")
_, db_check, db_path = read("dataset.db")
raw = json.loads(table)
db = sqlite3.connect("file:" + db_path + "?mode=ro&immutable=1", uri=True)
legacy = db.execute(
    "select districtKey, wardKey, districtCode, wardCode, ward, wardAlias"
    " from admin_units_legacy where provinceKey = ? order by wardCode", (KEY,)
).fetchall()
new = db.execute(
    "select wardKey, wardCode, ward, wardAreaKm2 from admin_units"
    " where provinceKey = ? order by wardCode", (KEY,)
).fetchall()
print(json.dumps({
    "package_version": dist.version,
    "files": {"converter_2025.json": table_check, "dataset.db": db_check},
    "province": raw["DICT_PROVINCE"].get(KEY),
    "whole": raw["DICT_PROVINCE_WARD_NO_DIVIDED"].get(KEY),
    "divided": raw["DICT_PROVINCE_WARD_DIVIDED"].get(KEY),
    "legacy": [list(r) for r in legacy],
    "new": [list(r) for r in new],
}, ensure_ascii=False))
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


@dataclass(frozen=True)
class Part:
    """A new unit that got part of a divided old unit, as the conversion table has it."""

    new_key: str
    default: bool
    # The table's newWardAreaKm2: the area of the whole new unit (its converter draws a square
    # of that area around the new unit's centre), not of the part; the package has none.
    area_km2: float


@dataclass(frozen=True)
class LegacyUnit:
    """A commune-level unit of the 2025-01-01 structure in the package's dataset.db."""

    district_key: str
    key: str
    district_code: str
    code: str
    name: str
    aliases: tuple[str, ...]  # slugs of former units' names now part of it


@dataclass(frozen=True)
class NewUnit:
    """A commune-level unit from 2025-07-01 in the package's dataset.db."""

    key: str
    code: str
    name: str
    area_km2: float


@dataclass(frozen=True)
class Converter:
    """The province's part of vietnamadminunits' 2025 conversion table and unit lists."""

    sha256: dict[str, str]
    whole: dict[str, list[str]]  # new unit key → keys of the old units folded whole into it
    divided: dict[str, list[Part]]  # old unit key → the new units that got a part of it
    legacy: list[LegacyUnit]
    new: list[NewUnit]


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


def dump(python: Path, script: str, argument: str, source: str) -> dict[str, Any]:
    """What ``script`` prints as JSON when run by a package's own interpreter."""
    done = subprocess.run(
        [str(python), "-I", "-c", script, argument],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    if done.returncode != 0:
        raise fail(f"{source} dump failed:\n{done.stderr}")
    raw = json.loads(done.stdout)
    if not isinstance(raw, dict):
        raise fail(f"{source}: unexpected output")
    return raw


def read_package(structure: Structure, venvs: Path) -> Dump:
    python = venvs / f"vp-{structure.version}" / "bin" / "python"
    if not python.exists():
        raise fail(f"{python} not found; create it with: {COMMAND}")
    script = DUMP_TWO_LEVEL if not structure.district_level else DUMP_DISTRICT_ERA
    raw = dump(python, script, PROVINCE, structure.source)
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


def text_list(value: object, what: str) -> list[str]:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [str(v) for v in value]
    raise fail(f"{what}: expected a list of strings, got {value!r}")


def number(value: object, what: str) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise fail(f"{what}: expected a number, got {value!r}")


def parse_whole(value: object) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        raise fail(f"{CONVERTER_SOURCE}: no undivided units for the province")
    return {str(k): text_list(v, f"{CONVERTER_SOURCE} {k}") for k, v in value.items()}


def parse_part(value: object, what: str) -> Part:
    if not isinstance(value, dict):
        raise fail(f"{what}: unexpected part {value!r}")
    key, default = value.get("newWardKey"), value.get("isDefaultNewWard")
    if not isinstance(key, str) or not isinstance(default, bool):
        raise fail(f"{what}: unexpected part {value!r}")
    return Part(key, default, number(value.get("newWardAreaKm2"), what))


def parse_divided(value: object) -> dict[str, list[Part]]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise fail(f"{CONVERTER_SOURCE}: unexpected divided units {value!r}")
    divided: dict[str, list[Part]] = {}
    for key, parts in value.items():
        if not isinstance(parts, list):
            raise fail(f"{CONVERTER_SOURCE} {key}: parts are not a list")
        divided[str(key)] = [parse_part(p, f"{CONVERTER_SOURCE} {key}") for p in parts]
    return divided


def parse_legacy(value: object) -> LegacyUnit:
    what = f"{CONVERTER_SOURCE} dataset.db admin_units_legacy"
    if not (isinstance(value, list) and len(value) == 6):
        raise fail(f"{what}: unexpected row {value!r}")
    district_key, key, district_code, code, name = text_list(value[:5], what)
    alias = value[5]
    if alias is not None and not isinstance(alias, str):
        raise fail(f"{what}: unexpected alias {alias!r}")
    aliases = text_list(json.loads(alias), what) if alias else []
    return LegacyUnit(district_key, key, district_code, code, name, tuple(aliases))


def parse_new(value: object) -> NewUnit:
    what = f"{CONVERTER_SOURCE} dataset.db admin_units"
    if not (isinstance(value, list) and len(value) == 4):
        raise fail(f"{what}: unexpected row {value!r}")
    key, code, name = text_list(value[:3], what)
    return NewUnit(key, code, name, number(value[3], what))


def read_converter(venvs: Path, province_key: str) -> Converter:
    """The conversion table, from the environment holding vietnamadminunits."""
    python = venvs / CONVERTER_VENV / "bin" / "python"
    if not python.exists():
        raise fail(f"{python} not found; create it with: {COMMAND}")
    raw = dump(python, DUMP_CONVERTER, province_key, CONVERTER_SOURCE)
    if raw.get("package_version") != CONVERTER_VERSION:
        raise fail(f"{python} holds {CONVERTER_PACKAGE}=={raw.get('package_version')}")
    files = raw.get("files")
    for name, sha in CONVERTER_FILES.items():
        found = files.get(name) if isinstance(files, dict) else None
        if found != [sha, True]:
            raise fail(
                f"{CONVERTER_SOURCE} {name}: [sha256, matches RECORD] is {found}, need {sha}"
            )
    if raw.get("province") != [province_key]:
        raise fail(f"{CONVERTER_SOURCE}: province {province_key} became {raw.get('province')}")
    legacy, new = raw.get("legacy"), raw.get("new")
    if not isinstance(legacy, list) or not isinstance(new, list):
        raise fail(f"{CONVERTER_SOURCE}: unit lists missing")
    return Converter(
        dict(CONVERTER_FILES),
        parse_whole(raw.get("whole")),
        parse_divided(raw.get("divided")),
        [parse_legacy(v) for v in legacy],
        [parse_new(v) for v in new],
    )


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


def build_crosswalk(rows: list[Row], converter: Converter) -> tuple[list[Link], list[str], Table]:
    links: list[Link] = []
    rejected_seen: list[str] = []
    table = match_table(rows, converter)
    for structure in STRUCTURES[1:]:
        links.extend(crosswalk_on(structure, rows, rejected_seen, table, converter.legacy))
    # Checked only after every change date: a rejection may arise on either of them.
    stale = sorted(
        f"{day} {old}→{new}" for day, old, new in REJECTED_NAME_MATCHES if old not in rejected_seen
    )
    if stale:
        raise fail(f"rejected name matches no longer arise: {stale}")
    links.sort(
        key=lambda k: (k.change_date, LEVEL_ORDER[k.old.level], int(k.old.code), int(k.new.code))
    )
    return links, rejected_seen, table


def crosswalk_on(
    structure: Structure,
    rows: list[Row],
    rejected_seen: list[str],
    table: Table,
    legacy: list[LegacyUnit],
) -> list[Link]:
    """The crosswalk rows for the rows that end on one change date, unsorted: the caller
    sorts all change dates together. On the conversion table's day the table gives every
    commune-level successor, and what vietnam-provinces' codes and names show must agree. On
    the other day, what vietnam-provinces' codes and names do not show comes from the former
    names in the package's dataset.db, and where both show a successor they must agree."""
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
    if day == CONVERTER_DAY:
        links.extend(table_links(structure, closed, found, table))
        return links
    communes = [r for r in closed if r.level == "commune"]
    hosts = former_name_hosts(communes, legacy, new_communes, day)
    former = former_name_successors(day, found, lost, hosts)
    links.extend(package_links(structure, found, former, hosts))
    return links


# --- the 2025-07-01 conversion table -------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """The conversion table matched to registry rows (keys are registry keys)."""

    successors: dict[tuple[str, str], list[tuple[Row, Part | None]]]  # Part: divided
    aliases: dict[tuple[str, str], LegacyUnit]  # old row → the unit it is a former name of
    areas: dict[str, float]  # new unit code → its area in the package, km²
    spelling: list[tuple[str, str, str]]  # code, registry name, package name, where they differ
    sha256: dict[str, str]
    whole: int  # old units the table folds whole into one new unit


def slug(text: str) -> str:
    """The package's key for a name: no diacritics (đ → d), lower case, only letters and digits
    ("Xã Sơn Kim 1" → "xasonkim1", "Thị xã Kỳ Anh" → "thixakyanh")."""
    return re.sub(r"[^0-9a-z]", "", fold(nfc(text)))


def province_key(rows: list[Row]) -> str:
    """The table's key of the province: ``tinhhatinh``."""
    return slug(next(r.name for r in rows if r.level == "province"))


def day_before(day: str) -> str:
    return (date.fromisoformat(day) - timedelta(days=1)).isoformat()


def keyed_old_rows(rows: list[Row], day: str) -> dict[str, Row]:
    """The commune-level rows valid the day before ``day``, by the table's key of their names:
    ``<province>_<district>_<commune>``, e.g. ``tinhhatinh_thanhphohatinh_phuongdainai``."""
    on = valid_on(rows, day_before(day))
    by_code = {r.code: r for r in on if r.level != "commune"}
    keyed: dict[str, Row] = {}
    for row in on:
        if row.level != "commune":
            continue
        district = by_code[row.parent]
        key = f"{slug(by_code[district.parent].name)}_{slug(district.name)}_{slug(row.name)}"
        if key in keyed:
            raise fail(f"{key}: the key of {keyed[key].key} and {row.key}")
        keyed[key] = row
    return keyed


def keyed_new_rows(rows: list[Row], day: str) -> dict[str, Row]:
    """The commune-level rows valid on ``day``, by the table's key of their names."""
    keyed: dict[str, Row] = {}
    for row in valid_on(rows, day):
        if row.level == "commune":
            if slug(row.name) in keyed:
                raise fail(f"{slug(row.name)}: the key of two rows valid on {day}")
            keyed[slug(row.name)] = row
    return keyed


def unmatched(what: str, names: set[str] | list[str]) -> None:
    if names:
        raise fail(f"{CONVERTER_SOURCE}: {what}: {sorted(names)}")


def table_successors(
    converter: Converter, old_rows: dict[str, Row], new_rows: dict[str, Row]
) -> dict[tuple[str, str], list[tuple[Row, Part | None]]]:
    """Every old unit of the table, matched by name to its registry row, with its successors."""
    old_keys = [k for keys in converter.whole.values() for k in keys] + list(converter.divided)
    unmatched(
        "old units named twice in the table", [k for k, n in Counter(old_keys).items() if n > 1]
    )
    unmatched("old units matching no registry row", set(old_keys) - set(old_rows))
    new_keys = set(converter.whole) | {p.new_key for ps in converter.divided.values() for p in ps}
    unmatched("new units matching no registry row", new_keys - set(new_rows))
    unmatched("registry rows from 2025-07-01 not in the table", set(new_rows) - new_keys)
    successors: dict[tuple[str, str], list[tuple[Row, Part | None]]] = {}
    for new_key, keys in converter.whole.items():
        for key in keys:
            successors[old_rows[key].key] = [(new_rows[new_key], None)]
    for key, parts in converter.divided.items():
        if len(parts) < 2 or len({p.new_key for p in parts}) != len(parts):
            raise fail(f"{CONVERTER_SOURCE} {key}: divided, but not among several new units")
        if sum(p.default for p in parts) != 1:
            raise fail(f"{CONVERTER_SOURCE} {key}: not exactly one default successor")
        successors[old_rows[key].key] = [(new_rows[p.new_key], p) for p in parts]
    return successors


def check_table_codes(
    converter: Converter, province: str, old_rows: dict[str, Row], new_rows: dict[str, Row]
) -> list[tuple[str, str, str]]:
    """The GSO codes that the package's dataset.db gives the units (old and new) must be the
    registry's: the name matches are checked by code. Returns the spelling differences."""
    spelling: list[tuple[str, str, str]] = []
    wrong: list[str] = []
    legacy_keys = {f"{province}_{u.district_key}_{u.key}" for u in converter.legacy}
    unmatched("dataset.db old units matching no registry row", legacy_keys - set(old_rows))
    for unit in converter.legacy:
        row = old_rows[f"{province}_{unit.district_key}_{unit.key}"]
        if (unit.code, unit.district_code) != (row.code, row.parent):
            wrong.append(f"{unit.key} {unit.district_code}/{unit.code} ≠ {row.parent}/{row.code}")
        if nfc(unit.name) != row.name:
            spelling.append((row.code, row.name, nfc(unit.name)))
    new_by_key = {u.key: u for u in converter.new}
    unmatched("dataset.db new units", set(new_by_key) ^ set(new_rows))
    for key, row in new_rows.items():
        new = new_by_key[key]
        if new.code != row.code:
            wrong.append(f"{key} {new.code} ≠ {row.code}")
        if nfc(new.name) != row.name:
            spelling.append((row.code, row.name, nfc(new.name)))
    unmatched("name matches whose codes disagree with dataset.db", wrong)
    return sorted(spelling)


def alias_successors(
    converter: Converter,
    province: str,
    old_rows: dict[str, Row],
    successors: dict[tuple[str, str], list[tuple[Row, Part | None]]],
) -> dict[tuple[str, str], LegacyUnit]:
    """For the registry rows the table lacks: the 2025-01-01 unit (of the same district) whose
    former names in dataset.db include the row's name. Its successor becomes theirs."""
    aliases: dict[tuple[str, str], LegacyUnit] = {}
    missing: list[str] = []
    for key, row in old_rows.items():
        if row.key in successors:
            continue
        district_key = key.removeprefix(f"{province}_").split("_")[0]
        hosts = [
            u
            for u in converter.legacy
            if u.district_key == district_key and slug(row.name) in u.aliases
        ]
        host = old_rows.get(f"{province}_{hosts[0].district_key}_{hosts[0].key}") if hosts else None
        parts = successors.get(host.key) if host is not None and len(hosts) == 1 else None
        if parts is None or len(parts) != 1:
            missing.append(key)
            continue
        aliases[row.key] = hosts[0]
        successors[row.key] = list(parts)
    unmatched("registry rows valid on 2025-06-30 not in the table", missing)
    return aliases


def match_table(rows: list[Row], converter: Converter) -> Table:
    """Match the table's old and new units to registry rows by name, check every match against
    the codes in the package's own unit lists and the expected counts, and resolve the rows the
    table lacks through dataset.db's former names."""
    province = province_key(rows)
    old_rows = keyed_old_rows(rows, CONVERTER_DAY)
    new_rows = keyed_new_rows(rows, CONVERTER_DAY)
    successors = table_successors(converter, old_rows, new_rows)
    spelling = check_table_codes(converter, province, old_rows, new_rows)
    aliases = alias_successors(converter, province, old_rows, successors)
    whole = sum(len(keys) for keys in converter.whole.values())
    if whole != EXPECTED_WHOLE:
        raise fail(f"{CONVERTER_SOURCE}: {whole} old units folded whole, need {EXPECTED_WHOLE}")
    divided = {
        old[0]: (
            next(new.code for new, part in parts if part and part.default),
            tuple(sorted(new.code for new, part in parts if part and not part.default)),
        )
        for old, parts in successors.items()
        if parts[0][1] is not None
    }
    if divided != EXPECTED_DIVIDED:
        raise fail(f"{CONVERTER_SOURCE}: divided units {divided}, need {EXPECTED_DIVIDED}")
    found_aliases = {old[0]: unit.code for old, unit in aliases.items()}
    if found_aliases != EXPECTED_ALIASES:
        raise fail(f"{CONVERTER_SOURCE}: former-name matches {found_aliases}")
    areas = {new_rows[u.key].code: u.area_km2 for u in converter.new}
    for parts in successors.values():
        for new, part in parts:
            if part is not None and part.area_km2 != areas[new.code]:
                raise fail(f"{new.code}: the part's area is not the new unit's area")
    return Table(successors, aliases, areas, spelling, converter.sha256, whole)


def table_links(
    structure: Structure, closed: list[Row], found: list[tuple[Row, Row, str]], table: Table
) -> list[Link]:
    """The commune-level links of the conversion table's day: one per old unit folded whole
    (``same`` or ``merged_into``, by the same rule as on 2025-01-01), one per part of a divided
    unit (``divided_default`` or ``divided``). What vietnam-provinces' kept codes and name
    matches show (``found``) must agree with the table."""
    day = structure.valid_from
    ending = {r.key for r in closed if r.level == "commune"}
    if ending != set(table.successors):
        raise fail(f"rows ending on {day} and the table's old units differ")
    inferred = {old.key: (new, evidence) for old, new, evidence in found}
    # The table must put the old units of the rejected name matches where the reason says.
    for (rejected_day, old_code, new_code), reason in REJECTED_NAME_MATCHES.items():
        targets = {
            new.code
            for key, parts in table.successors.items()
            for new, _ in parts
            if key[0] == old_code
        }
        if rejected_day == day and targets != set(re.findall(r"went to (\d{5})", reason)):
            raise fail(f"the table does not confirm the rejected match {old_code} → {new_code}")
    into: Counter[str] = Counter(
        new.code for parts in table.successors.values() for new, _ in parts
    )
    by_key = {r.key: r for r in closed}
    links: list[Link] = []
    for key, parts in sorted(table.successors.items()):
        old = by_key[key]
        shown = inferred.get(key)
        if shown is not None and (len(parts) != 1 or parts[0][0] != shown[0]):
            raise fail(f"{old.key}: {structure.source} ({shown[1]}) disagrees with the table")
        if parts[0][1] is not None:
            links.extend(divided_links(old, parts, day))
            continue
        new = parts[0][0]
        host = table.aliases.get(key)
        if host is not None:
            evidence = "former name of a unit in the table (dataset.db)"
            source = (
                f"{CONVERTER_SOURCE}: not in converter_2025.json; dataset.db gives its name as a "
                f"former name of {host.code} {nfc(host.name)}, whose successor this is"
            )
        elif shown is not None:
            evidence = f"conversion table, {shown[1]} agrees"
            source = f"{CONVERTER_SOURCE}: converter_2025.json ({structure.source}: {shown[1]})"
        else:
            evidence = "conversion table"
            source = f"{CONVERTER_SOURCE}: converter_2025.json"
        same = (
            host is None
            and old.code == new.code
            and fold(base_name(old.name)) == fold(base_name(new.name))
            and into[new.code] == 1
        )
        relation = "same" if same else "merged_into"
        links.append(Link(old, new, day, relation, evidence, source))
    return links


def divided_links(old: Row, parts: list[tuple[Row, Part | None]], day: str) -> list[Link]:
    """One link per new unit that got part of ``old``; the table's default is
    ``divided_default``, the others ``divided``."""
    codes = sorted(new.code for new, _ in parts)
    default = next(new.code for new, part in parts if part is not None and part.default)
    source = (
        f"{CONVERTER_SOURCE}: converter_2025.json, divided among {', '.join(codes[:-1])} and "
        f"{codes[-1]}, default successor {default}; no area per part in the package"
    )
    return [
        Link(
            old,
            new,
            day,
            DIVIDED_DEFAULT if new.code == default else DIVIDED,
            "conversion table, divided",
            source,
        )
        for new, _ in parts
    ]


def former_name_hosts(
    closed: list[Row], legacy: list[LegacyUnit], new_communes: list[Row], day: str
) -> dict[tuple[str, str], Row]:
    """For each commune-level row ending on ``day`` whose name the package's dataset.db lists
    as a former name (wardAlias) of a unit of the 2025-01-01 structure in the row's district
    (or the district it passed to on ``day``): that unit's registry row. It must be valid on
    ``day`` and be the row dataset.db's codes were checked against (valid until 2025-06-30),
    and no name may be a former name of two units."""
    by_code = {r.code: r for r in new_communes}
    hosts: dict[tuple[str, str], Row] = {}
    for old in closed:
        district = DISTRICT_SUCCESSORS.get((day, old.parent), old.parent)
        units = [u for u in legacy if u.district_code == district and slug(old.name) in u.aliases]
        if len(units) > 1:
            raise fail(
                f"{CONVERTER_SOURCE} dataset.db: {old.name} ({old.code}) is a former name of "
                f"{sorted(u.code for u in units)}"
            )
        if not units:
            continue
        unit = units[0]
        host = by_code.get(unit.code)
        if (
            host is None
            or (slug(host.name), host.parent) != (unit.key, unit.district_code)
            or not host.valid_on(day_before(CONVERTER_DAY))
        ):
            raise fail(
                f"{CONVERTER_SOURCE} dataset.db: {unit.code} {nfc(unit.name)}, whose former names "
                f"include {old.name} ({old.code}), is not a registry row valid from {day} to "
                f"{day_before(CONVERTER_DAY)}"
            )
        hosts[old.key] = host
    return hosts


def former_name_successors(
    day: str,
    found: list[tuple[Row, Row, str]],
    lost: list[Row],
    hosts: dict[tuple[str, str], Row],
) -> list[tuple[Row, Row, str]]:
    """The successors of the rows vietnam-provinces does not map (``lost``): the unit that
    lists each one's name as a former name. Where vietnam-provinces maps a row that has such a
    unit, they must agree. Both are checked against the pinned expectations."""
    unmapped = sorted(old.code for old in lost if old.key not in hosts)
    if unmapped:
        raise fail(
            f"commune-level rows ending on {day} that no package maps (code gone, no name "
            f"match, no former name in {CONVERTER_SOURCE} dataset.db): {unmapped}"
        )
    disagree = [
        f"{old.code}: {evidence} {new.code}, former name of {hosts[old.key].code}"
        for old, new, evidence in found
        if old.key in hosts and hosts[old.key].key != new.key
    ]
    if disagree:
        raise fail(f"{CONVERTER_SOURCE} dataset.db former names disagree: {disagree}")
    resolved = {(day, old.code): hosts[old.key].code for old in lost}
    expected = {k: v for k, v in EXPECTED_FORMER_NAMES.items() if k[0] == day}
    if resolved != expected:
        raise fail(f"rows ending on {day} mapped through former names {resolved}, need {expected}")
    agreeing = {(day, old.code): new.code for old, new, _ in found if old.key in hosts}
    expected = {k: v for k, v in EXPECTED_FORMER_NAMES_AGREEING.items() if k[0] == day}
    if agreeing != expected:
        raise fail(f"rows ending on {day} whose former names agree {agreeing}, need {expected}")
    return [(old, hosts[old.key], FORMER_NAME_EVIDENCE) for old in lost]


def package_links(
    structure: Structure,
    found: list[tuple[Row, Row, str]],
    former: list[tuple[Row, Row, str]],
    hosts: dict[tuple[str, str], Row],
) -> list[Link]:
    """Links for the successors vietnam-provinces shows (``found``) and those the former names
    in the package's dataset.db show (``former``; ``hosts``: every row with a former-name
    successor, which agrees with ``found``, as checked before).

    A kept code is only ``same`` if no other old unit went into it; a former-name successor is
    always ``merged_into`` (the old unit's name is not its own).
    """
    into: Counter[str] = Counter(new.code for _, new, _ in [*found, *former])
    links: list[Link] = []
    for old, new, shown in found:
        same = (
            shown == "code kept"
            and fold(base_name(old.name)) == fold(base_name(new.name))
            and into[new.code] == 1
        )
        note = "" if shown == "code kept" else " (inferred)"
        source = f"{structure.source}: {shown}{note}"
        evidence = shown
        if old.key in hosts:
            evidence = f"{shown}, former name agrees"
            source += f" ({CONVERTER_SOURCE}: {FORMER_NAME_EVIDENCE} agrees)"
        relation = "same" if same else "merged_into"
        links.append(Link(old, new, structure.valid_from, relation, evidence, source))
    for old, new, evidence in former:
        source = (
            f"{CONVERTER_SOURCE}: {FORMER_NAME_EVIDENCE} ({new.code} {new.name} lists "
            f"{slug(old.name)}; {structure.source} has neither its code nor its name)"
        )
        links.append(Link(old, new, structure.valid_from, "merged_into", evidence, source))
    return links


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
    date has exactly one crosswalk row that is not ``divided``; a divided row has one
    ``divided_default`` row and one ``divided`` row per other new unit, and nothing else."""
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
    groups: dict[tuple[str, str], list[Link]] = defaultdict(list)
    for link in links:
        groups[link.old.key].append(link)
    for key, group in groups.items():
        relations = Counter(k.relation for k in group)
        if len(group) > 1 and (
            relations[DIVIDED_DEFAULT] != 1
            or relations[DIVIDED] != len(group) - 1
            or len({k.new.key for k in group}) != len(group)
        ):
            raise fail(f"{key} is mapped {len(group)} times, not as a divided unit")
        if len(group) == 1 and group[0].relation in (DIVIDED, DIVIDED_DEFAULT):
            raise fail(f"{key} is divided into one unit")
    covered = list(groups)
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
RELATION_RULE = "|" + "---|" * (len(RELATIONS) + 4)


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


def provenance_header(
    names: tuple[str, str], files: tuple[bytes, bytes], rows: list[Row], table: Table
) -> str:
    """Title, sources, command, checksums, row counts and the code conventions."""
    registry_name, crosswalk_name = names
    structures = "\n".join(structure_table_lines(rows))
    counts = "\n".join(row_count_lines(rows))
    registry_sha = hashlib.sha256(files[0]).hexdigest()
    crosswalk_sha = hashlib.sha256(files[1]).hexdigest()
    table_files = "\n".join(
        f"  - `data/{name}`: sha256 `{sha}`" for name, sha in sorted(table.sha256.items())
    )
    return f"""# Provenance of {registry_name} and {crosswalk_name}

- Source of the registry: PyPI package `{PACKAGE}`, three versions (GSO codes, names and
  division types of Vietnam's administrative units), each installed in its own throwaway
  virtual environment and read by `scripts/build_registry.py` through a subprocess (its Python
  objects are checked against its JSON data file):

| Structure from | Package | Basis | Hà Tĩnh |
|---|---|---|---|
{structures}

- Source of the crosswalk on {CONVERTER_DAY}: PyPI package `{CONVERTER_SOURCE}` (MIT), in its
  own throwaway virtual environment, read through a subprocess that locates its data files
  through the installed distribution's RECORD and checks them against its hashes (the package
  itself is not imported); the build also requires these checksums:
{table_files}
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


# Fixed text: the versions are pinned in STRUCTURES and CONVERTER_*; update it when they change.
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
- `vietnamadminunits==1.0.4` (another package): `data/converter_2025.json` is a conversion
  table from the units in force until 2025-06-30 to those from 2025-07-01, keyed by names
  without diacritics, spaces or punctuation, in lower case: old units as
  `<province>_<district>_<commune>` (`tinhhatinh_thanhphohatinh_phuongdainai`), new ones as
  `<commune>` (`phuongthanhsen`). `DICT_PROVINCE_WARD_NO_DIVIDED` lists, per new unit, the old
  units folded whole into it; `DICT_PROVINCE_WARD_DIVIDED` lists, per old unit divided
  between several new units, each new unit that got a part, with a flag for the default
  successor (the one the package's converter picks for an address without a street) and
  `newWardAreaKm2`. That area is the whole new unit's (it equals the unit's `wardAreaKm2` in
  the package's `data/dataset.db`, and the converter draws a square of that area around the
  new unit's centre to place a street address), not the part's: the package gives no area, or
  any other measure, per part. `data/dataset.db` lists the units of both structures with their
  GSO codes and, for some units of the 2025-01-01 structure, the names of the units merged into
  them (`wardAlias`, keys like the table's: `xasonbinh`); the build uses it to check every
  name match by code and, through those former names, to map the rows ending on 2025-01-01
  that `vietnam-provinces` does not (see "Former names (2025-01-01)" below).
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
    """Per change date: commune-level rows ending, crosswalk rows per relation (these add up to
    the rows ending plus one per extra part of a divided unit) and the district-level links."""
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


def source_lines(links: list[Link]) -> list[str]:
    """Per change date, how many commune-level rows have each relation and evidence."""
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
    """How the crosswalk is built, and its counts by relation and source."""
    relations = "\n".join(relation_table_lines(rows, links))
    sources = "\n".join(source_lines(links))
    rejections = "\n".join(rejected_match_lines(rejected))
    return f"""## Crosswalk

`{crosswalk_name}` has one row per commune-level row that ends on 2025-01-01 or 2025-07-01,
one more per extra part of a divided unit, and one for district 448: `old_code,old_valid_from`
→ `new_code,new_valid_from` (both registry keys), `change_date` (= the old row's `valid_to`;
the new row is valid on that day and usually starts on it, but a successor that continues
unchanged, such as district 445, starts earlier), `relation` and `source` (package version,
file and evidence). A 2020 unit that changed on 2025-01-01 and again on 2025-07-01 has two rows
(a chain). Leaving out the `divided` rows leaves exactly one row, its successor or default
successor, per old row.

No row is assumed: every row comes from a package's data, by the evidence its `source` names
(counted below), and the build stops if an old row has no successor in them.

Relations:

- `same`: the old unit went whole into a new unit that kept its code and its name (ignoring
  the type prefix and diacritics), and no other old unit went into it; e.g. a xã becoming a
  phường, or a commune moving to another district.
- `merged_into`: the old unit went whole into the new unit, with others or under another code
  or name.
- `divided_default` and `divided`: the old unit was divided between several new units (on
  2025-07-01, per the conversion table): one row per new unit that got a part.
  `divided_default` is the part the table names as the default successor, `divided` each
  other part. The table gives no share (area, population or households) per part, so a
  divided unit's figures cannot be split exactly: carried whole to the default successor they
  overstate it and understate the others (see "The 2025-07-01 conversion table" below).

Sources, by change date:

- 2025-07-01: every commune-level row from `{CONVERTER_SOURCE}`'s conversion table
  (`source` starts `{CONVERTER_SOURCE}: converter_2025.json`), matched to registry rows by
  name and checked by code (see below). Where `vietnam-provinces==2025.10.1` also shows the
  successor, by a kept code or an old name contained in the new one, it must agree (the build
  fails otherwise), and `source` says so in brackets.
- 2025-01-01: `vietnam-provinces==0.6.0`, evidence `code kept` (the new structure has a unit
  with the old code; it is the old unit's successor) or `name match` (inferred: the old code is
  gone, and the old name without its type prefix appears, as whole words, in exactly one new
  unit's name; failing that, the same ignoring diacritics, `name match ignoring diacritics`,
  for the package's spelling variants such as Xã Cỗ Đạm → Xã Cổ Đạm); else
  `{CONVERTER_SOURCE}`, evidence `{FORMER_NAME_EVIDENCE}` (the old name is a former name of
  a unit of the new structure, see "Former names (2025-01-01)" below). Where both show a
  successor they must agree, and `source` says so in brackets (evidence `…, former name
  agrees`).
- District level: 448 Huyện Lộc Hà → 445 Huyện Thạch Hà, `merged_into` on 2025-01-01
  (Resolution 1283/NQ-UBTVQH15; the build checks that most of 448's communes are under 445 in
  the 0.6.0 data). The districts abolished on 2025-07-01 have no successor row (the
  conversion table has none either).

Commune-level rows per relation and change date (district rows in the last column):

{RELATION_HEADER}
{RELATION_RULE}
{relations}

By evidence:

{sources}

Name matches of `vietnam-provinces==2025.10.1` rejected because they are wrong: the new wards
named after these old ones were formed from other units. A manual correction from GSO's
conversion list (see the notes at the end); the build checks that the conversion table puts
each old unit where the reason says.

{rejections}
"""


def divided_lines(links: list[Link], table: Table) -> list[str]:
    """The divided units' rows: one per part, default first."""
    lines = []
    divided = [k for k in links if k.relation in (DIVIDED, DIVIDED_DEFAULT)]
    divided.sort(key=lambda k: (k.old.key, k.relation != DIVIDED_DEFAULT, k.new.code))
    for link in divided:
        old, new = link.old, link.new
        area = table.areas.get(new.code)
        lines.append(
            f"| `{old.code}` {old.name} (district {old.parent}, row from {old.valid_from}) | "
            f"`{new.code}` {new.name} | `{link.relation}` | "
            f"{'unknown' if area is None else f'{area:g}'} |"
        )
    return lines


def table_section(links: list[Link], table: Table) -> str:
    """How the conversion table is matched and checked, the divided units and the exceptions."""
    day_links = commune_links_on(links, CONVERTER_DAY)
    old_rows = {k.old.key for k in day_links}
    divided_old = {k.old.key for k in day_links if k.relation == DIVIDED_DEFAULT}
    divided = "\n".join(divided_lines(links, table))
    aliases = "\n".join(
        f"- `{k.old.code}` {k.old.name} (district {k.old.parent}, row from {k.old.valid_from}) "
        f"→ `{k.new.code}` {k.new.name}: not in the table; `dataset.db` gives its name as a "
        f"former name of `{host.code}` {nfc(host.name)}, which the table folds into "
        f"`{k.new.code}` (`{k.relation}`)."
        for k in day_links
        if (host := table.aliases.get(k.old.key)) is not None
    )
    spelling = "\n".join(
        f"- `{code}`: {ours} here, {theirs} in the package."
        for code, ours, theirs in table.spelling
    )
    agreed = sum(", " in k.evidence and "agrees" in k.evidence for k in day_links)
    return f"""## The {CONVERTER_DAY} conversion table

All {len(old_rows)} commune-level rows ending on {CONVERTER_DAY} are mapped from the table:
{table.whole} old units folded whole into one new unit, {len(divided_old)} divided, and
{len(table.aliases)} through a former name. No row of that date is assumed.

- Matching by name: each registry row valid on {day_before(CONVERTER_DAY)} gets the table's key
  `<province>_<district>_<commune>` from its own, its district's and the province's full names
  (type prefixes included), each NFC-normalised, without diacritics (đ → d), in lower case, and
  with everything but letters and digits removed (`Xã Sơn Kim 1` → `xasonkim1`, `Thị xã Kỳ
  Anh` → `thixakyanh`); each row valid on {CONVERTER_DAY} gets `<commune>` the same way. These
  are the package's own keys: every key of the table matches exactly one registry row, and
  every registry row of {CONVERTER_DAY} is a key of the table; the build fails listing any
  name that does not match.
- Checked by code: the package's `dataset.db` gives the GSO code of each unit of both
  structures (and of each old unit's district) under the same keys; every one equals the code
  of the registry row its name matched. The build fails listing any that differ.
- Checked against the expected content: {EXPECTED_WHOLE} old units folded whole, the divided
  units and their parts, and the rows resolved through a former name are pinned in the
  script; the build fails if the table says otherwise.
- {agreed} of the rows are also shown by `vietnam-provinces==2025.10.1` (kept code or name
  match), and agree.

Divided units (area: the package's `newWardAreaKm2`, the area in km² of the whole new unit,
not of the part it got; the package gives no size of the parts):

| Old unit | New unit that got a part | Relation | Area of the whole new unit (km²) |
|---|---|---|---|
{divided}

The default successor is the table's: the one the package's converter picks for an address
in the old unit that gives no street. With a street, the converter picks the new unit whose
square around its centre, of the new unit's area, contains the geocoded address, else the
nearest centre; the crosswalk has no such rule and no addresses.

Registry rows the table lacks, mapped through the package's former names:

{aliases or "- none"}

Names spelt differently in the package (the keys agree; the registry keeps vietnam-provinces'
spelling):

{spelling or "- none"}
"""


def former_name_lines(links: list[Link], evidence: str) -> list[str]:
    """The commune-level rows of one former-name evidence, with the successor's row."""
    return [
        f"- {k.change_date}: `{k.old.code}` {k.old.name} (district {k.old.parent}, row from "
        f"{k.old.valid_from}) → `{k.new.code}` {k.new.name} (district {k.new.parent}, row from "
        f"{k.new.valid_from}); its former names include `{slug(k.old.name)}`"
        for k in links
        if k.old.level == "commune" and k.evidence == evidence
    ]


def former_names_section(links: list[Link]) -> str:
    """Where the rows that no conversion table covers come from: dataset.db's former names."""
    resolved = former_name_lines(links, FORMER_NAME_EVIDENCE)
    agreeing = [
        line
        for evidence in sorted(
            {k.evidence for k in links if k.evidence.endswith("former name agrees")}
        )
        for line in former_name_lines(links, evidence)
    ]
    earlier = sorted(
        {
            f"`{k.new.code}` {k.new.name}"
            for k in links
            if k.evidence == FORMER_NAME_EVIDENCE and k.new.valid_from < k.change_date
        }
    )
    earlier_text = (
        f"\n\n{' and '.join(earlier)} kept their code, name, type and district, so their "
        "registry rows run on unchanged across the change (`new_valid_from` is their earlier "
        "start) although they took in another unit then: compare their figures across it "
        "through the crosswalk (`transforms.registry.successors`), not by code."
        if earlier
        else ""
    )
    return f"""## Former names (2025-01-01)

The 2025-01-01 change (Resolution 1283/NQ-UBTVQH15) is in no conversion table. Rows ending then
that `vietnam-provinces==0.6.0` does not map (their code is gone and no new name contains
theirs) are mapped through `{CONVERTER_SOURCE}`'s `data/dataset.db`: for some units of the
2025-01-01 structure (table `admin_units_legacy`), column `wardAlias` lists the names of the
units merged into them, as keys like the conversion table's (`xasonbinh`, `sonbinh`). A row
whose name's key is listed there goes into that unit, relation `merged_into`, evidence
`{FORMER_NAME_EVIDENCE}`. No successor is assumed.

- The unit is looked for in the row's district on the day before (or the district that took
  it over); its registry row must be valid from the change date until
  {day_before(CONVERTER_DAY)} and have the code, name and district dataset.db gives (whose
  codes are checked as in "The {CONVERTER_DAY} conversion table" above). A name listed under
  two units, or a row that neither package maps, stops the build.
- Where `vietnam-provinces` also maps a row whose name is listed, the two must agree (the
  build fails otherwise).
- Both lists below are pinned in the script (`EXPECTED_FORMER_NAMES`,
  `EXPECTED_FORMER_NAMES_AGREEING`); the build fails if dataset.db says otherwise.

Mapped through a former name ({len(resolved)}):

{chr(10).join(resolved) or "- none"}

Mapped by `vietnam-provinces`, and the former names agree ({len(agreeing)}):

{chr(10).join(agreeing) or "- none"}{earlier_text}
"""


# Checked by hand against GSO's conversion list, which the build cannot read.
PROVENANCE_NOTES = """Notes:

- `18448 Xã Bình Lộc` appears under Thạch Hà only in the 0.6.0 data (2025-01-04): the 2020
  structure has no unit 18448 and no 2020 unit disappears into it; neither the conversion
  table of `vietnamadminunits==1.0.4` nor GSO's conversion list (below) lists it, and the
  former names in that package's `dataset.db` make Bình Lộc (with An Lộc) part of 18430 Xã
  Bình An. It may be a unit merged before 2020 that the 0.6.0 data still carries. It is kept
  as the package has it (2025-01-01 → 2025-07-01), so Thạch Hà is expected to report 23
  communes for 2025 Q1–Q2; if its reports lack Bình Lộc, this row is the likely culprit. On
  2025-07-01 it follows Bình An (see "Registry rows the table lacks" above).
- GSO's conversion list for 2025-07-01, `BangChuyendoiĐVHCmoi_cu_khong_merge`, is in no
  package installable here and was checked by hand only. It agrees with every `code kept` and
  every other name match of `vietnam-provinces==2025.10.1`, as does the conversion table of
  `vietnamadminunits==1.0.4`; it rejects the two wrong name matches above, as the table does;
  it maps every 2025-01-01 unit but 18448, as the table does; and it marks some units as split
  between several new units (e.g. 18082 Phường Đại Nài → 18073 and 18652, as in the table).
"""


def render_provenance(
    names: tuple[str, str],
    files: tuple[bytes, bytes],
    rows: list[Row],
    links: list[Link],
    rejected: list[str],
    table: Table,
) -> bytes:
    # Every section ends with a newline, so joining on one more leaves one blank line between.
    sections = (
        provenance_header(names, files, rows, table),
        PACKAGE_VERSIONS_TEXT,
        VALIDITY_TEXT,
        crosswalk_section(names[1], rows, links, rejected),
        table_section(links, table),
        former_names_section(links),
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
        help=f"directory holding the vp-<version> and {CONVERTER_VENV} environments "
        "(default: /tmp)",
    )
    args = parser.parse_args(argv)
    output: Path = args.output

    dumps = [read_package(structure, args.venvs) for structure in STRUCTURES]
    province, structures = structure_units(dumps)
    rows = build_rows(province, structures)
    check_rows(rows)
    converter = read_converter(args.venvs, province_key(rows))
    links, rejected, table = build_crosswalk(rows, converter)
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
            table,
        )
    )
    print(
        f"wrote {len(rows)} rows to {output}, {len(links)} to {crosswalk}, and {provenance}",
        file=sys.stderr,
    )
    for structure in STRUCTURES[1:]:
        day = structure.valid_from
        counts = Counter(k.relation for k in commune_links_on(links, day))
        text = ", ".join(f"{counts[r]} {r}" for r in RELATIONS if counts[r])
        print(f"  commune-level crosswalk rows of {day}: {text}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
