"""Build the Hà Tĩnh administrative-unit registry from the vietnam-provinces package.

Writes ``data/reference/admin_units.csv`` (province 42, its 13 district-level units and its
216 commune-level units, as in effect from 2020-01-01 after Resolution 819/NQ-UBTVQH14) and
``data/reference/admin_units.PROVENANCE.md`` next to it. The package is not a dependency of the
project; run the script from the repository root in a throwaway virtual environment:

    python3 -m venv /tmp/vp && /tmp/vp/bin/pip install vietnam-provinces==0.5.0 \
        && /tmp/vp/bin/python scripts/build_registry.py

Optional ``--output PATH`` writes the CSV elsewhere (the provenance file goes next to it, named
``<stem>.PROVENANCE.md``). The output is deterministic: two runs give byte-identical files. The
script checks the package version, its data date and the expected counts, and exits with an
error if any of them differ.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, cast

try:
    import vietnam_provinces
    from vietnam_provinces.base import Ward
    from vietnam_provinces.enums.districts import DistrictEnum, ProvinceEnum
    from vietnam_provinces.enums.wards import WardEnum
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise SystemExit(
        "vietnam_provinces is not installed; run: python3 -m venv /tmp/vp && "
        "/tmp/vp/bin/pip install vietnam-provinces==0.5.0 && "
        "/tmp/vp/bin/python scripts/build_registry.py"
    ) from exc

PACKAGE = "vietnam-provinces"
PACKAGE_VERSION = "0.5.0"
DATA_DATE = "2023-05-07"
SOURCE = f"{PACKAGE}=={PACKAGE_VERSION}"
COMMAND = (
    f"python3 -m venv /tmp/vp && /tmp/vp/bin/pip install {SOURCE} && "
    "/tmp/vp/bin/python scripts/build_registry.py"
)

PROVINCE_CODE = 42
VALID_FROM = "2020-01-01"
VALID_TO = ""

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO_ROOT / "data" / "reference" / "admin_units.csv"

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
LEVEL_ORDER = {"province": 0, "district": 1, "commune": 2}
CODE_WIDTHS = {"province": 2, "district": 3, "commune": 5}

# The package's division types (VietNamDivisionType values) allowed at each level, mapped to
# our unit_type. Anything else (e.g. "quận", "thành phố trung ương") is an error.
UNIT_TYPES = {
    "province": {"tỉnh": "tỉnh"},
    "district": {"thành phố": "thành phố", "thị xã": "thị xã", "huyện": "huyện"},
    "commune": {"xã": "xã", "phường": "phường", "thị trấn": "thị trấn"},
}
# The name prefix the package uses for each unit_type.
NAME_PREFIXES = {
    "tỉnh": "Tỉnh ",
    "thành phố": "Thành phố ",
    "thị xã": "Thị xã ",
    "huyện": "Huyện ",
    "xã": "Xã ",
    "phường": "Phường ",
    "thị trấn": "Thị trấn ",
}

EXPECTED_DISTRICTS = {
    436: "Thành phố Hà Tĩnh",
    437: "Thị xã Hồng Lĩnh",
    439: "Huyện Hương Sơn",
    440: "Huyện Đức Thọ",
    441: "Huyện Vũ Quang",
    442: "Huyện Nghi Xuân",
    443: "Huyện Can Lộc",
    444: "Huyện Hương Khê",
    445: "Huyện Thạch Hà",
    446: "Huyện Cẩm Xuyên",
    447: "Huyện Kỳ Anh",
    448: "Huyện Lộc Hà",
    449: "Thị xã Kỳ Anh",
}
EXPECTED_COMMUNES = 216
EXPECTED_COMMUNE_TYPES = {"xã": 182, "phường": 21, "thị trấn": 13}


@dataclass(frozen=True)
class Unit:
    unit_code: str
    unit_name: str
    unit_type: str
    unit_level: str
    parent_code: str

    def row(self) -> list[str]:
        return [
            self.unit_code,
            self.unit_name,
            self.unit_type,
            self.unit_level,
            self.parent_code,
            VALID_FROM,
            VALID_TO,
            SOURCE,
        ]


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def make_unit(level: str, code: int, name: str, division_type: str, parent_code: str) -> Unit:
    allowed = UNIT_TYPES[level]
    division = nfc(str(division_type))
    if division not in allowed:
        raise SystemExit(f"{level} {code} {name!r}: unexpected division type {division!r}")
    unit_type = allowed[division]
    unit_name = nfc(name).strip()
    if not unit_name.startswith(NAME_PREFIXES[unit_type]):
        raise SystemExit(f"{level} {code} {unit_name!r}: name does not match type {unit_type!r}")
    return Unit(f"{code:0{CODE_WIDTHS[level]}d}", unit_name, unit_type, level, parent_code)


def check_package() -> None:
    installed = metadata.version(PACKAGE)
    if installed != PACKAGE_VERSION:
        raise SystemExit(f"need {SOURCE}, found {PACKAGE}=={installed}")
    data_date = vietnam_provinces.__data_version__
    if data_date != DATA_DATE:
        raise SystemExit(f"need package data dated {DATA_DATE}, found {data_date}")


def all_wards() -> list[Ward]:
    # WardEnum is built with fast_enum's metaclass, which makes the class iterable over its
    # members; mypy cannot see that, hence the cast.
    members = cast("Iterable[Any]", WardEnum)
    return [member.value for member in members]


def collect() -> list[Unit]:
    province = ProvinceEnum[f"P_{PROVINCE_CODE}"].value
    units = [make_unit("province", province.code, province.name, province.division_type.value, "")]
    district_codes: set[int] = set()
    for member in DistrictEnum:
        district = member.value
        if district.province_code != PROVINCE_CODE:
            continue
        district_codes.add(district.code)
        units.append(
            make_unit(
                "district",
                district.code,
                district.name,
                district.division_type.value,
                str(PROVINCE_CODE),
            )
        )
    for ward in all_wards():
        if ward.district_code not in district_codes:
            continue
        units.append(
            make_unit(
                "commune",
                ward.code,
                ward.name,
                ward.division_type.value,
                f"{ward.district_code:03d}",
            )
        )
    return sorted(units, key=lambda u: (LEVEL_ORDER[u.unit_level], int(u.unit_code)))


def check_counts(units: list[Unit]) -> None:
    districts = {int(u.unit_code): u.unit_name for u in units if u.unit_level == "district"}
    if districts != EXPECTED_DISTRICTS:
        raise SystemExit(f"district-level units differ from expected: {districts}")
    communes = [u for u in units if u.unit_level == "commune"]
    if len(communes) != EXPECTED_COMMUNES:
        raise SystemExit(f"expected {EXPECTED_COMMUNES} commune-level units, got {len(communes)}")
    by_type = dict(Counter(u.unit_type for u in communes))
    if by_type != EXPECTED_COMMUNE_TYPES:
        raise SystemExit(f"commune-level units by type {by_type} != {EXPECTED_COMMUNE_TYPES}")
    codes = [u.unit_code for u in units]
    if len(set(codes)) != len(codes):
        raise SystemExit("duplicate unit codes")


def render_csv(units: list[Unit]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(unit.row() for unit in units)
    return buffer.getvalue().encode("utf-8")


def render_provenance(csv_name: str, csv_bytes: bytes, units: list[Unit]) -> bytes:
    sha256 = hashlib.sha256(csv_bytes).hexdigest()
    communes = Counter(u.unit_type for u in units if u.unit_level == "commune")
    districts = Counter(u.unit_type for u in units if u.unit_level == "district")
    text = f"""# Provenance of {csv_name}

- Source: PyPI package `{SOURCE}`, data dated {DATA_DATE} (GSO codes, names and
  division types of Vietnam's administrative units).
- Produced by `scripts/build_registry.py`:
  `{COMMAND}`
- sha256 of `{csv_name}`: `{sha256}`
- Rows: {len(units)} (1 province, {districts.total()} district-level units, \
{communes.total()} commune-level units).
  - Province: 42 Tỉnh Hà Tĩnh.
  - District level: {districts["thành phố"]} thành phố, {districts["thị xã"]} thị xã, \
{districts["huyện"]} huyện.
  - Commune level: {communes["xã"]} xã, {communes["phường"]} phường, \
{communes["thị trấn"]} thị trấn.
- Codes are the GSO codes as text: 2 digits for the province, 3 for districts, 5 with
  leading zeros for communes. Names are the package's full names with their type prefix,
  NFC-normalised.

## Validity

Each row is valid from `valid_from` (inclusive) until `valid_to` (exclusive, so a successor
row's `valid_from` equals its predecessor's `valid_to`); an empty `valid_to` means the row is
still in force. All rows here have `valid_from = {VALID_FROM}`: the
structure after Hà Tĩnh's commune mergers under Resolution 819/NQ-UBTVQH14, effective
1 January 2020, which the package data (dated {DATA_DATE}) still shows. A row is identified by
`(unit_code, valid_from)`, not by `unit_code` alone, because GSO codes are later reused for
different units.

## Still to be added

Later structures are to be added as further rows with their own validity periods, closing
the rows above by setting their `valid_to`:

- 2025-01-01: Huyện Lộc Hà merged into Huyện Thạch Hà (plus any commune-level changes
  effective the same day).
- 2025-07-01: district level abolished; 69 commune-level units directly under the province.
  Old codes are reused for different units, e.g. 18073 Phường Nam Hà → Phường Thành Sen:
  the Nam Hà row gets `valid_to = 2025-07-01` and a new row `18073,Phường Thành Sen,...`
  gets `valid_from = 2025-07-01`.
"""
    return text.encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help=f"CSV to write (default: {DEFAULT_OUTPUT.relative_to(REPO_ROOT)})",
    )
    args = parser.parse_args(argv)
    output: Path = args.output

    check_package()
    units = collect()
    check_counts(units)

    csv_bytes = render_csv(units)
    provenance = output.with_name(f"{output.stem}.PROVENANCE.md")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(csv_bytes)
    provenance.write_bytes(render_provenance(output.name, csv_bytes, units))
    print(f"wrote {len(units)} units to {output} and {provenance}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
