"""The shape every check reports in, and how a finding becomes a Vietnamese message."""

from __future__ import annotations

import polars as pl

from transforms.figures import whole_number_text

FINDING_SCHEMA: dict[str, pl.DataType] = {
    "sheet": pl.String(),
    "excel_row": pl.Int64(),
    "column_label": pl.String(),
    "value_found": pl.String(),
    "rule_id": pl.String(),
    "expected": pl.String(),
    "detail": pl.String(),
}

FILE_ID = "file_id"  # which file of a batch a row or a finding belongs to

SEVERITY_ORDER = {"file_error": 0, "row_error": 1, "warning": 2}


def findings_frame(rows: list[dict[str, object]] | None = None) -> pl.DataFrame:
    """A findings frame from a few literal findings (file-level checks produce one or two)."""
    return pl.DataFrame(rows or [], schema=FINDING_SCHEMA)


def conform(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with exactly the finding columns, missing ones null, in order."""
    return frame.select(
        [
            pl.col(name).cast(dtype) if name in frame.columns else pl.lit(None, dtype).alias(name)
            for name, dtype in FINDING_SCHEMA.items()
        ]
    )


def no_findings() -> pl.DataFrame:
    """An empty findings frame with ``file_id`` (``with_file`` of no rows)."""
    return pl.DataFrame(schema={FILE_ID: pl.Int64(), **FINDING_SCHEMA})


def with_file(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame``'s findings conformed, with its ``file_id`` in front."""
    return pl.concat(
        [frame.select(pl.col(FILE_ID).cast(pl.Int64)), conform(frame)], how="horizontal"
    )


def render(findings: pl.DataFrame, rules: pl.DataFrame) -> pl.DataFrame:
    """Attach severity and the Vietnamese message (what is wrong, then how to fix it).

    ``rules`` has rule_id, severity, kind, message and fix; placeholders {value},
    {expected}, {detail} are filled from the finding. Adds severity, problem (what is wrong),
    fix (how to put it right) and message (both).

    A row check's value and expected are figures (a figure of the row, a sum of figures, a
    figure of the commune's history), stored as plain digits: the message writes them as
    Vietnamese does, "1.790". Other rules quote what the district typed, or a code, as it is.
    """
    figures = pl.col("kind").fill_null("") == "row_check"

    def placeholder(column: str) -> pl.Expr:
        text = pl.col(column).fill_null("")
        return pl.when(figures).then(whole_number_text(text)).otherwise(text)

    def fill(template: str) -> pl.Expr:
        return (
            pl.col(template)
            .str.replace_all("{value}", placeholder("value_found"), literal=True)
            .str.replace_all("{expected}", placeholder("expected"), literal=True)
            .str.replace_all("{detail}", pl.col("detail").fill_null(""), literal=True)
        )

    return (
        findings.join(
            rules.select("rule_id", "severity", "message", "fix", "kind"),
            on="rule_id",
            how="left",
            validate="m:1",
        )
        .with_columns(problem=fill("message"), fix=fill("fix"))
        .drop("kind")
        .with_columns(message=pl.col("problem") + " " + pl.col("fix"))
        .sort(
            *([pl.col(FILE_ID)] if FILE_ID in findings.columns else []),
            pl.col("severity").replace_strict(SEVERITY_ORDER, default=9),
            pl.col("excel_row").fill_null(0),
            "column_label",
            maintain_order=True,
        )
    )
