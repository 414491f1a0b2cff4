"""Build data/reference/commune_roster.csv: demo values of each rural commune's NTM tier.

The department keeps the real roster (which tier each commune has reached or aims for, the year,
and the unit of the department that sponsors it); until it sends one, this script generates a
plausible, deterministic one from the registry: every xã of every structure gets a tier (about 55%
NTM, 35% advanced, 10% model), a target year and a sponsor. Run: `make roster`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = ROOT / "data" / "reference" / "admin_units.csv"
ROSTER = ROOT / "data" / "reference" / "commune_roster.csv"
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
    roster = (
        communes.with_columns(draw=draw)
        .select(
            pl.col("unit_code").alias("commune_code"),
            "valid_from",
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
            sponsor=pl.lit(pl.Series(SPONSORS)).gather(pl.col("draw") % len(SPONSORS)),
        )
        .sort("commune_code", "valid_from")
    )
    roster.write_csv(ROSTER)
    tiers = roster["tier"].value_counts().sort("tier").rows()
    print(f"{ROSTER}: {roster.height} communes, {tiers}")


if __name__ == "__main__":
    main()
