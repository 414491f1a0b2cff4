"""Checks on submissions' metadata: who reports, for which period, on which template.

One row per file (``file_id``), all files of a batch at once.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from transforms.findings import FILE_ID, with_file
from transforms.layout import text_columns
from transforms.registry import reporting_level_expr, valid_on_expr

# The formats of a prepared-on date: an Excel date cell read back as ISO text, or typed.
_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")
_PERIOD = r"^(\d{4})-Q([1-4])$"

METADATA_SCHEMA: dict[str, pl.DataType] = {
    FILE_ID: pl.Int64(),
    "unit_code": pl.String(),
    "unit_name": pl.String(),
    "period": pl.String(),
    "period_first_day": pl.Date(),
    "period_last_day": pl.Date(),
    "prepared_on": pl.Date(),
    "prepared_by": pl.String(),
    "template_version": pl.String(),
}


def text_expr(key: str) -> pl.Expr:
    """The value as typed, trimmed; blank is null."""
    stripped = pl.col(key).str.strip_chars()
    return pl.when(stripped != "").then(stripped).alias(key)


def clean_code_expr(expr: pl.Expr) -> pl.Expr:
    """A GSO code as typed: a number cell read back as ``441.0`` becomes ``441``."""
    return expr.str.replace(r"^(\d+)\.0+$", "$1")


def parse_date_expr(expr: pl.Expr) -> pl.Expr:
    """The first of the accepted date formats that reads the whole text, else null."""
    text = expr.str.strip_chars()
    return pl.coalesce(
        [text.str.to_datetime(f, strict=False, exact=True).dt.date() for f in _DATE_FORMATS]
    )


def check_metadata(
    values: pl.DataFrame,
    labels: dict[str, str],
    required: list[str],
    template_version: str,
    registry: pl.DataFrame,
    today: date,
    communes_report_from: date,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Parse and check the metadata of each file.

    ``values``: file_id, sheet (the name findings quote) and one text column per metadata key,
    as found. ``labels`` maps keys to the labels staff see; ``required`` lists keys that must
    be present. Returns the metadata (``METADATA_SCHEMA``; period as ``YYYY-Qn``, unit_name
    from the registry when the unit is known) and the file-level findings.
    """
    keys = [*required, "template_version", "period", "unit_code", "unit_name", "prepared_by"]
    parsed = _parsed(values, keys)
    known = _known_units(parsed, registry, today, communes_report_from)
    checked = parsed.join(known, on=FILE_ID, how="left")
    findings = _findings(checked, labels, keys, required, template_version, today)
    metadata = checked.select(
        FILE_ID,
        "unit_code",
        unit_name=pl.coalesce("registry_name", "unit_name"),
        period="period_code",
        period_first_day="period_first_day",
        period_last_day="period_last_day",
        prepared_on="prepared_on",
        prepared_by="prepared_by",
        template_version="template_version",
    ).cast(METADATA_SCHEMA)  # type: ignore[arg-type]
    return metadata, findings


def _parsed(values: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Every key as trimmed text or null; codes cleaned; the period and its days parsed."""
    present = [c for c in values.columns if c not in (*keys, "prepared_on")]
    values = text_columns(values, present, list(dict.fromkeys([*keys, "prepared_on"])))
    period_match = (
        pl.col("period").str.to_uppercase().str.extract_groups(_PERIOD).alias("period_parts")
    )
    return (
        values.with_columns(text_expr(k) for k in dict.fromkeys(keys))
        .with_columns(
            clean_code_expr(pl.col("template_version")),
            clean_code_expr(pl.col("unit_code")),
            period_match,
        )
        .with_columns(
            year=pl.col("period_parts").struct.field("1").cast(pl.Int32),
            quarter=pl.col("period_parts").struct.field("2").cast(pl.Int8),
        )
        .with_columns(
            period_code=pl.format("{}-Q{}", "year", "quarter"),
            period_first_day=pl.date("year", pl.col("quarter") * 3 - 2, 1),
            period_last_day=pl.date("year", pl.col("quarter") * 3, 1).dt.month_end(),
            prepared_on=parse_date_expr(pl.col("prepared_on")),
        )
    )


def _known_units(
    parsed: pl.DataFrame, registry: pl.DataFrame, today: date, communes_report_from: date
) -> pl.DataFrame:
    """file_id, registry_name of each file whose unit reports at its level on the period's
    last day (a unit of the wrong level, or not valid then, is unknown)."""
    units = registry.select(
        "unit_code", "unit_level", "valid_from", "valid_to", registry_name="unit_name"
    )
    return (
        parsed.filter(pl.col("unit_code").is_not_null() & (pl.col("period_first_day") <= today))
        .select(FILE_ID, "unit_code", "period_last_day")
        .join(units, on="unit_code")
        .filter(
            valid_on_expr(pl.col("period_last_day"))
            & (
                pl.col("unit_level")
                == reporting_level_expr("period_last_day", communes_report_from)
            )
        )
        .unique(FILE_ID, keep="first")
        .select(FILE_ID, "registry_name")
    )


def _findings(
    checked: pl.DataFrame,
    labels: dict[str, str],
    keys: list[str],
    required: list[str],
    template_version: str,
    today: date,
) -> pl.DataFrame:
    """The file-level findings on metadata, in file order."""

    def problem(
        rule: str, key: str, when: pl.Expr, value: pl.Expr, expected: pl.Expr
    ) -> pl.DataFrame:
        return checked.filter(when).select(
            FILE_ID,
            "sheet",
            column_label=pl.lit(labels.get(key, key)),
            value_found=value,
            rule_id=pl.lit(rule),
            expected=expected,
        )

    label = {k: pl.lit(labels.get(k, k)) for k in keys}
    empty = pl.lit("")
    given = pl.col("period_first_day") <= today
    findings = [
        *[
            problem("metadata_missing", k, pl.col(k).is_null(), pl.lit(None, pl.String), label[k])
            for k in required
        ],
        problem(
            "metadata_invalid",
            "template_version",
            pl.col("template_version").is_not_null()
            & (pl.col("template_version") != template_version),
            pl.col("template_version"),
            label["template_version"],
        ),
        problem(
            "period_invalid",
            "period",
            pl.col("period").is_not_null() & pl.col("year").is_null(),
            pl.col("period"),
            empty,
        ),
        problem("period_future", "period", ~given, pl.col("period"), empty),
        problem(
            "unit_unknown",
            "unit_code",
            pl.col("unit_code").is_not_null() & given & pl.col("registry_name").is_null(),
            pl.col("unit_code"),
            pl.col("period_code"),
        ),
    ]
    return pl.concat([with_file(f) for f in findings]).sort(FILE_ID, maintain_order=True)
