"""Build data/reference/commune_roster.csv: demo values of each rural commune's standing.

The department keeps the real roster; until it sends one, this script generates a plausible,
deterministic one from the registry. Every xã of every structure gets:
- for 2021-2025, a tier (about 55% NTM, 35% advanced, 10% model) and the year it reached it;
- a sponsor (đơn vị đỡ đầu), the unit of the department that sponsors it, only where the action
  programme gives it one (section III.3: "các xã trong nhóm về đích năm 2022, 2023 và nhóm các
  xã đạt chuẩn nông thôn mới nâng cao, nhóm các xã đạt chuẩn nông thôn mới kiểu mẫu"): an NTM
  commune whose target year is 2022 or 2023, and every advanced or model commune; the others
  have none (an empty cell). The communes of 1 July 2025 follow the same rule, from the tier and
  target year of the same draw;
- for the communes of 1 July 2025 (the 2026-2030 programme), its group under Decision
  51/2025/QĐ-TTg (3 for the communes of the former mountain districts Hương Sơn, Vũ Quang and
  Hương Khê, 1 for about a fifth of the others, 2 for the rest) and the standard it targets
  (modern NTM for model communes and a third of the advanced ones, NTM otherwise).
Run: `make roster`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = ROOT / "data" / "reference" / "admin_units.csv"
ROSTER = ROOT / "data" / "reference" / "commune_roster.csv"
FIRST_DIRECT = "2025-07-01"  # the structure whose communes carry a group and a standard
MOUNTAIN_DISTRICTS = ("439", "441", "444")
# The NTM communes the department sponsors: the groups reaching the standard in these years.
SPONSORED_NTM_YEARS = (2022, 2023)
SPONSORS = (
    "Văn phòng Sở",
    "Phòng Lao động - Việc làm - Giáo dục nghề nghiệp",
    "Phòng Bảo trợ xã hội - Trẻ em - Bình đẳng giới",
    "Phòng Người có công",
    "Trường Cao đẳng Kỹ thuật Việt - Đức Hà Tĩnh",
    "Trung tâm Dịch vụ việc làm",
)


def main() -> None:
    registry = pl.read_csv(REGISTRY, schema_overrides={"unit_code": pl.String})
    communes = registry.filter((pl.col("unit_level") == "commune") & (pl.col("unit_type") == "xã"))
    # A stable pseudo-random draw per commune code: the same code keeps its tier across
    # structures, as a merged commune keeps the standing of the unit whose code it kept.
    draw = pl.col("unit_code").map_elements(
        lambda code: int(hashlib.sha256(code.encode()).hexdigest()[:8], 16) % 100,
        return_dtype=pl.Int64,
    )
    # The former district of a commune of 1 July 2025: that of the old unit whose code it kept.
    former = (
        registry.filter(pl.col("unit_level") == "commune")
        .sort("valid_from")
        .group_by("unit_code")
        .agg(former_district=pl.col("parent_code").cast(pl.String).drop_nulls().first())
    )
    direct = pl.col("valid_from").cast(pl.String) == FIRST_DIRECT
    sponsored = (pl.col("tier") != "ntm") | pl.col("target_year").is_in(SPONSORED_NTM_YEARS)
    roster = (
        communes.with_columns(draw=draw)
        .join(former, on="unit_code", how="left")
        .with_columns(
            tier=pl.when(pl.col("draw") < 55)
            .then(pl.lit("ntm"))
            .when(pl.col("draw") < 90)
            .then(pl.lit("advanced"))
            .otherwise(pl.lit("model")),
            target_year=pl.when(pl.col("draw") < 55)
            .then(2021 + pl.col("draw") % 4)
            .when(pl.col("draw") < 90)
            .then(2023 + pl.col("draw") % 3)
            .otherwise(2024 + pl.col("draw") % 2),
        )
        .select(
            pl.col("unit_code").alias("commune_code"),
            "valid_from",
            "tier",
            "target_year",
            sponsor=pl.when(sponsored).then(
                pl.lit(pl.Series(SPONSORS)).gather(pl.col("draw") % len(SPONSORS))
            ),
            group=pl.when(~direct)
            .then(None)
            .when(pl.col("former_district").is_in(MOUNTAIN_DISTRICTS))
            .then(pl.lit("3"))
            .when(pl.col("draw") % 5 == 0)
            .then(pl.lit("1"))
            .otherwise(pl.lit("2")),
            standard=pl.when(~direct)
            .then(None)
            .when((pl.col("draw") >= 90) | ((pl.col("draw") >= 55) & (pl.col("draw") % 3 == 0)))
            .then(pl.lit("modern"))
            .otherwise(pl.lit("ntm")),
        )
        .sort("commune_code", "valid_from")
    )
    roster.write_csv(ROSTER)
    tiers = roster["tier"].value_counts().sort("tier").rows()
    sponsored_count = roster["sponsor"].is_not_null().sum()
    classes = (
        roster.filter(pl.col("group").is_not_null())
        .group_by("group", "standard")
        .len()
        .sort("group", "standard")
        .rows()
    )
    print(
        f"{ROSTER}: {roster.height} communes, tiers {tiers}, {sponsored_count} sponsored, "
        f"2025-07-01 classes {classes}"
    )


if __name__ == "__main__":
    main()
