"""Row-level checks of submissions' commune rows: parsing, membership, rules, totals.

Everything is set-based, over every file of a batch at once (rows carry ``file_id``): one
expression per column or per rule, never a loop over rows or files. Findings come out with
``file_id`` and without a sheet; the caller knows each file's sheet.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from transforms.figures import figure_problem, figure_value
from transforms.findings import FILE_ID, with_file
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
    rows: pl.DataFrame  # file_id, excel_row, commune_code, commune_name, figures (Int64)
    findings: pl.DataFrame


def figure_keys(columns: list[Column]) -> list[str]:
    return [c.key for c in columns if c.kind == "figure"]


def parse_rows(rows: pl.DataFrame, columns: list[Column]) -> CheckedRows:
    """Type the text rows: codes and names NFC, figures parsed strictly.

    A cell that is not a whole number becomes null and a finding that names it.
    """
    labels = {c.key: c.label for c in columns}
    figures = figure_keys(columns)
    index = [FILE_ID, "excel_row"]
    # One lazy query for values and problems: they share each cell's normalised text.
    both = (
        rows.lazy()
        .select(
            *index,
            clean_text_expr(pl.col("commune_code")).alias("commune_code"),
            clean_text_expr(pl.col("commune_name")).alias("commune_name"),
            *[figure_value(f) for f in figures],
            *[figure_problem(f).alias(f"{f}__problem") for f in figures],
        )
        .collect()
    )
    typed = both.select(*index, "commune_code", "commune_name", *figures)
    problems = (
        both.select(*index, *[pl.col(f"{f}__problem").alias(f) for f in figures])
        .unpivot(index=index, variable_name="key", value_name="rule_id")
        .filter(pl.col("rule_id").is_not_null())
        .join(
            rows.select(*index, *figures).unpivot(
                index=index, variable_name="key", value_name="value_found"
            ),
            on=[*index, "key"],
            how="left",
            maintain_order="left",
        )
        .with_columns(column_label=pl.col("key").replace_strict(labels))
    )
    bad_codes = typed.filter(
        pl.col("commune_code").is_null() | ~pl.col("commune_code").str.contains(_COMMUNE_CODE)
    ).select(
        *index,
        column_label=pl.lit(labels["commune_code"]),
        value_found=pl.col("commune_code"),
        rule_id=pl.lit("commune_code_invalid"),
    )
    return CheckedRows(typed, pl.concat([with_file(problems), with_file(bad_codes)]))


def membership_findings(
    typed: pl.DataFrame,
    expected: pl.DataFrame,
    labels: dict[str, str],
    period_end_text: str,
) -> pl.DataFrame:
    """Communes that do not belong to their file's unit, appear twice, are missing, or are
    misnamed.

    ``expected`` holds each file's communes on the period's last day (file_id, commune_code,
    commune_name).
    """
    valid = typed.filter(pl.col("commune_code").str.contains(_COMMUNE_CODE))
    expected = expected.select(FILE_ID, "commune_code", "commune_name")
    on = [FILE_ID, "commune_code"]
    code_label = labels["commune_code"]
    foreign = valid.join(expected, on=on, how="anti").select(
        FILE_ID,
        "excel_row",
        value_found=pl.col("commune_code"),
        rule_id=pl.lit("commune_foreign"),
        expected=pl.lit(period_end_text),
        column_label=pl.lit(code_label),
    )
    duplicate = valid.filter(pl.len().over(on) > 1).select(
        FILE_ID,
        "excel_row",
        value_found=pl.col("commune_code"),
        rule_id=pl.lit("commune_duplicate"),
        column_label=pl.lit(code_label),
    )
    missing = (
        expected.join(valid, on=on, how="anti")
        .sort(on)
        .select(
            FILE_ID,
            value_found=pl.col("commune_code"),
            expected=pl.col("commune_name"),
            rule_id=pl.lit("commune_missing"),
            column_label=pl.lit(code_label),
        )
    )

    def short(expr: pl.Expr) -> pl.Expr:
        return match_key_expr(expr).str.replace(_TYPE_PREFIX, "")

    misnamed = (
        valid.filter(pl.col("commune_name").is_not_null())
        .join(expected.rename({"commune_name": "registry_name"}), on=on, how="inner")
        .filter(short(pl.col("commune_name")) != short(pl.col("registry_name")))
        .select(
            FILE_ID,
            "excel_row",
            value_found=pl.col("commune_name"),
            expected=pl.col("registry_name"),
            rule_id=pl.lit("commune_name_mismatch"),
            column_label=pl.lit(labels.get("commune_name", "commune_name")),
        )
    )
    return pl.concat([with_file(f) for f in (foreign, duplicate, missing, misnamed)])


def rule_findings(
    typed: pl.DataFrame,
    history: pl.DataFrame,
    rules: list[RowRule],
    labels: dict[str, str],
) -> pl.DataFrame:
    """Evaluate every row rule on every row at once; a row fails a rule when its check is false.

    ``history`` has commune_code and prev_* / prev_year_q4_* figures; absent history gives
    null checks, which pass.
    """
    frame = (
        typed.join(history, on="commune_code", how="left", maintain_order="left")
        if history.width > 1
        else typed
    )
    # A figure a rule reads that neither the rows nor the history hold (no history, or none of
    # that kind, e.g. no household review yet) is null: the check passes.
    read = {
        name
        for rule in rules
        for text in (rule.check, rule.expected)
        if text
        for name in pl.sql_expr(text).meta.root_names()
    } | set(history.columns)
    for missing_column in sorted(read - set(frame.columns)):
        frame = frame.with_columns(pl.lit(None, pl.Int64).alias(missing_column))
    # Rules multiply figures (rate comparisons cross-multiply two periods): Int128 holds the
    # product of three 15-digit figures, Int64 would wrap silently.
    frame = frame.with_columns(pl.col(pl.Int64).exclude(FILE_ID, "excel_row").cast(pl.Int128))
    failures = [
        frame.filter(pl.sql_expr(rule.check).not_()).select(
            FILE_ID,
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
        return with_file(pl.DataFrame(schema={FILE_ID: pl.Int64}))
    return pl.concat([with_file(f) for f in failures])


def total_findings(typed: pl.DataFrame, total: pl.DataFrame, columns: list[Column]) -> pl.DataFrame:
    """Compare each file's total row with the column sums of the rows above it.

    A column with a cell that is not a whole number cannot be summed; its row finding speaks.
    """
    figures = figure_keys(columns)
    labels = {c.key: c.label for c in columns}
    index = [FILE_ID, "excel_row"]
    sums = (
        typed.group_by(FILE_ID)
        .agg(
            *[pl.col(f).sum().alias(f) for f in figures],
            *[pl.col(f).null_count().cast(pl.Int64).alias(f"{f}__nulls") for f in figures],
        )
        .unpivot(index=FILE_ID, variable_name="key", value_name="sum")
    )
    sums = sums.filter(~pl.col("key").str.ends_with("__nulls")).join(
        sums.filter(pl.col("key").str.ends_with("__nulls")).select(
            FILE_ID, key=pl.col("key").str.strip_suffix("__nulls"), nulls="sum"
        ),
        on=[FILE_ID, "key"],
    )
    totals = (
        total.select(*index, *[figure_value(f) for f in figures])
        .unpivot(index=index, variable_name="key", value_name="total")
        .join(
            total.select(*index, *figures).unpivot(
                index=index, variable_name="key", value_name="value_found"
            ),
            on=[*index, "key"],
            maintain_order="left",
        )
    )
    mismatches = (
        totals.join(sums, on=[FILE_ID, "key"], maintain_order="left")
        .filter((pl.col("nulls") == 0) & pl.col("total").ne_missing(pl.col("sum")))
        .select(
            *index,
            "value_found",
            column_label=pl.col("key").replace_strict(labels),
            rule_id=pl.lit("total_mismatch"),
            expected=pl.col("sum").cast(pl.String),
        )
        .sort(FILE_ID, maintain_order=True)
    )
    return with_file(mismatches)


def quarantine(
    typed: pl.DataFrame, findings: pl.DataFrame, row_error_rules: list[str]
) -> pl.DataFrame:
    """Mark each row accepted or quarantined: a row with any row-level error is quarantined."""
    bad = (
        findings.filter(
            pl.col("rule_id").is_in(row_error_rules) & pl.col("excel_row").is_not_null()
        )
        .select(FILE_ID, "excel_row")
        .unique()
        .with_columns(bad=pl.lit(True))
    )
    return (
        typed.join(bad, on=[FILE_ID, "excel_row"], how="left", maintain_order="left")
        .with_columns(
            row_status=pl.when(pl.col("bad"))
            .then(pl.lit("quarantined"))
            .otherwise(pl.lit("accepted"))
        )
        .drop("bad")
    )
