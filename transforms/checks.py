"""Row-level checks of a submission's commune rows: parsing, membership, rules, totals.

Everything is set-based: one expression per column or per rule, never a loop over rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from transforms.figures import figure_problem, figure_value
from transforms.findings import conform, findings_frame
from transforms.layout import Column
from transforms.text import clean_text_expr, match_key_expr

_COMMUNE_CODE = r"^[0-9]{5}$"
_TYPE_PREFIX = r"^(xã|phường|thị trấn) "


@dataclass(frozen=True)
class RowRule:
    """A rule over one row's figures (validation_rules.toml, kind = "row_check")."""

    rule_id: str
    column: str
    check: str
    expected: str | None


@dataclass(frozen=True)
class CheckedRows:
    rows: pl.DataFrame  # excel_row, commune_code, commune_name, figures (Int64), row_status
    findings: pl.DataFrame


def figure_keys(columns: list[Column]) -> list[str]:
    return [c.key for c in columns if c.kind == "figure"]


def parse_rows(rows: pl.DataFrame, columns: list[Column], sheet: str) -> CheckedRows:
    """Type the text rows: codes and names NFC, figures parsed strictly.

    A cell that is not a whole number becomes null and a finding that names it.
    """
    labels = {c.key: c.label for c in columns}
    figures = figure_keys(columns)
    typed = rows.select(
        "excel_row",
        clean_text_expr(pl.col("commune_code")).alias("commune_code"),
        clean_text_expr(pl.col("commune_name")).alias("commune_name")
        if "commune_name" in rows.columns
        else pl.lit(None, pl.String).alias("commune_name"),
        *[figure_value(f) for f in figures],
    )
    problems = (
        rows.select("excel_row", *[figure_problem(f) for f in figures])
        .unpivot(index="excel_row", variable_name="key", value_name="rule_id")
        .filter(pl.col("rule_id").is_not_null())
        .join(
            rows.select("excel_row", *figures).unpivot(
                index="excel_row", variable_name="key", value_name="value_found"
            ),
            on=["excel_row", "key"],
            how="left",
        )
        .with_columns(
            sheet=pl.lit(sheet),
            column_label=pl.col("key").replace_strict(labels),
        )
    )
    bad_codes = typed.filter(
        pl.col("commune_code").is_null() | ~pl.col("commune_code").str.contains(_COMMUNE_CODE)
    ).select(
        "excel_row",
        sheet=pl.lit(sheet),
        column_label=pl.lit(labels["commune_code"]),
        value_found=pl.col("commune_code"),
        rule_id=pl.lit("commune_code_invalid"),
    )
    return CheckedRows(typed, pl.concat([conform(problems), conform(bad_codes)]))


def membership_findings(
    typed: pl.DataFrame,
    expected: pl.DataFrame,
    labels: dict[str, str],
    sheet: str,
    period_end_text: str,
) -> pl.DataFrame:
    """Communes that do not belong to the unit, appear twice, are missing, or are misnamed.

    ``expected`` holds the unit's communes on the period's last day (commune_code, commune_name).
    """
    valid = typed.filter(pl.col("commune_code").str.contains(_COMMUNE_CODE))
    code_label = labels["commune_code"]
    foreign = valid.join(expected, on="commune_code", how="anti").select(
        "excel_row",
        value_found=pl.col("commune_code"),
        rule_id=pl.lit("commune_foreign"),
        expected=pl.lit(period_end_text),
        column_label=pl.lit(code_label),
    )
    duplicate = valid.filter(pl.len().over("commune_code") > 1).select(
        "excel_row",
        value_found=pl.col("commune_code"),
        rule_id=pl.lit("commune_duplicate"),
        column_label=pl.lit(code_label),
    )
    missing = expected.join(valid, on="commune_code", how="anti").select(
        value_found=pl.col("commune_code"),
        expected=pl.col("commune_name"),
        rule_id=pl.lit("commune_missing"),
        column_label=pl.lit(code_label),
    )

    def short(expr: pl.Expr) -> pl.Expr:
        return match_key_expr(expr).str.replace(_TYPE_PREFIX, "")

    misnamed = (
        valid.filter(pl.col("commune_name").is_not_null())
        .join(expected.rename({"commune_name": "registry_name"}), on="commune_code", how="inner")
        .filter(short(pl.col("commune_name")) != short(pl.col("registry_name")))
        .select(
            "excel_row",
            value_found=pl.col("commune_name"),
            expected=pl.col("registry_name"),
            rule_id=pl.lit("commune_name_mismatch"),
            column_label=pl.lit(labels.get("commune_name", "commune_name")),
        )
    )
    found = pl.concat([conform(f) for f in (foreign, duplicate, missing, misnamed)])
    return found.with_columns(sheet=pl.lit(sheet))


def rule_findings(
    typed: pl.DataFrame,
    history: pl.DataFrame,
    rules: list[RowRule],
    labels: dict[str, str],
    sheet: str,
) -> pl.DataFrame:
    """Evaluate every row rule on every row at once; a row fails a rule when its check is false.

    ``history`` has commune_code and prev_* / prev_year_q4_* figures; absent history gives
    null checks, which pass.
    """
    frame = typed.join(history, on="commune_code", how="left") if history.width > 1 else typed
    for missing_column in {c for c in history.columns if c not in frame.columns}:
        frame = frame.with_columns(pl.lit(None, pl.Int64).alias(missing_column))
    # Rules multiply figures (rate comparisons cross-multiply two periods): Int128 holds the
    # product of three 15-digit figures, Int64 would wrap silently.
    frame = frame.with_columns(pl.col(pl.Int64).cast(pl.Int128))
    failures = [
        frame.filter(pl.sql_expr(rule.check).not_()).select(
            "excel_row",
            value_found=pl.col(rule.column).cast(pl.String),
            expected=(
                pl.sql_expr(rule.expected).cast(pl.String)
                if rule.expected
                else pl.lit(None, pl.String)
            ),
            rule_id=pl.lit(rule.rule_id),
            column_label=pl.lit(labels[rule.column]),
        )
        for rule in rules
    ]
    if not failures:
        return findings_frame()
    return pl.concat([conform(f) for f in failures]).with_columns(sheet=pl.lit(sheet))


def total_findings(
    typed: pl.DataFrame, total: pl.DataFrame, columns: list[Column], sheet: str
) -> pl.DataFrame:
    """Compare a total row with the column sums of the rows above it.

    A column with a cell that is not a whole number cannot be summed; its row finding speaks.
    """
    if total.is_empty():
        return findings_frame()
    figures = [f for f in figure_keys(columns) if f in total.columns]
    labels = {c.key: c.label for c in columns}
    sums = typed.select(
        *[pl.col(f).sum().alias(f) for f in figures],
        *[pl.col(f).null_count().alias(f"{f}__nulls") for f in figures],
    ).row(0, named=True)
    totals = total.select("excel_row", *[figure_value(f) for f in figures]).row(0, named=True)
    texts = total.row(0, named=True)
    mismatches = [
        {
            "sheet": sheet,
            "excel_row": totals["excel_row"],
            "column_label": labels[f],
            "value_found": texts[f],
            "rule_id": "total_mismatch",
            "expected": str(sums[f]),
        }
        for f in figures
        if sums[f"{f}__nulls"] == 0 and totals[f] != sums[f]
    ]
    return findings_frame(mismatches)


def quarantine(
    typed: pl.DataFrame, findings: pl.DataFrame, row_error_rules: list[str]
) -> pl.DataFrame:
    """Mark each row accepted or quarantined: a row with any row-level error is quarantined."""
    bad = findings.filter(
        pl.col("rule_id").is_in(row_error_rules) & pl.col("excel_row").is_not_null()
    ).select("excel_row")
    return typed.with_columns(
        row_status=pl.when(pl.col("excel_row").is_in(bad["excel_row"].implode()))
        .then(pl.lit("quarantined"))
        .otherwise(pl.lit("accepted"))
    )
