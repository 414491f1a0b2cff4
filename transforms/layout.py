"""From the cells of a sheet (or a CSV) to one row per commune, keyed by column key.

A grid is a frame of text cells as read from the file, one frame row per sheet row, so that the
Excel row number is the frame row index + 1. The header row is found by its labels, anywhere
below any title rows; data rows follow it and end at the first empty row or at the total row.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from transforms.findings import conform, findings_frame
from transforms.text import match_key, match_key_expr

# A header row must hold at least this many known labels; fewer means the header is missing.
MIN_HEADER_MATCHES = 3


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str  # "code", "text" or "figure"


@dataclass(frozen=True)
class Table:
    rows: pl.DataFrame  # excel_row, then one text column per key found
    total: pl.DataFrame  # the total row in the same shape, or no row
    header_row: int | None  # Excel row number of the header
    findings: pl.DataFrame


def with_excel_rows(grid: pl.DataFrame, first_row: int = 1) -> pl.DataFrame:
    return grid.with_row_index("excel_row", offset=first_row).with_columns(
        pl.col("excel_row").cast(pl.Int64)
    )


def extract_table(
    grid: pl.DataFrame,
    columns: list[Column],
    sheet: str,
    total_label: str,
    ignored_headers: frozenset[str] = frozenset(),
) -> Table:
    """Find the header, map its cells to column keys and cut the commune rows out of ``grid``.

    ``grid`` holds text cells and an ``excel_row`` column. A header cell matches a column by its
    label or by its key (CSV files use keys). ``ignored_headers`` are match keys of header cells
    that belong to the file format but not to the table (the CSV's unit_code and period).
    """
    cells = [c for c in grid.columns if c != "excel_row"]
    empty = pl.DataFrame(schema={"excel_row": pl.Int64})
    if not cells:
        return Table(empty, empty, None, _missing_columns([c.label for c in columns], sheet))
    wanted = pl.DataFrame(
        {
            "match": [match_key(c.label) for c in columns] + [match_key(c.key) for c in columns],
            "key": [c.key for c in columns] * 2,
        }
    ).unique("match")
    long = (
        grid.select("excel_row", *[pl.col(c).cast(pl.String) for c in cells])
        .unpivot(index="excel_row", variable_name="cell", value_name="text")
        .filter(pl.col("text").is_not_null())
        .with_columns(match=match_key_expr(pl.col("text")))
        .filter(pl.col("match") != "")
    )
    matched = long.join(wanted, on="match", how="inner")
    per_row = (
        matched.group_by("excel_row")
        .agg(pl.col("key").n_unique().alias("n"))
        .filter(pl.col("n") >= MIN_HEADER_MATCHES)
        .sort(["n", "excel_row"], descending=[True, False])
    )
    if per_row.is_empty():
        missing = [c.label for c in columns]
        return Table(empty, empty, None, _missing_columns(missing, sheet))

    header_row = int(per_row["excel_row"][0])
    header = long.filter(pl.col("excel_row") == header_row)
    # The first cell holding a label wins if a label is repeated.
    mapping = (
        header.join(wanted, on="match", how="inner")
        .with_columns(position=pl.col("cell").str.extract(r"(\d+)$").cast(pl.Int64))
        .sort("position")
        .unique("key", keep="first", maintain_order=True)
    )
    found_keys = set(mapping["key"].to_list())
    missing = [c.label for c in columns if c.key not in found_keys]
    extra = header.filter(
        ~pl.col("cell").is_in(mapping["cell"].implode())
        & ~pl.col("match").is_in(list(ignored_headers))
    )
    findings = [
        _missing_columns(missing, sheet),
        conform(
            extra.select(
                pl.lit(sheet).alias("sheet"),
                "excel_row",
                pl.col("text").alias("column_label"),
                pl.col("text").alias("value_found"),
                pl.lit("extra_column").alias("rule_id"),
            )
        ),
    ]
    rename = dict(zip(mapping["cell"].to_list(), mapping["key"].to_list(), strict=True))
    body = grid.filter(pl.col("excel_row") > header_row).select(
        "excel_row", *[pl.col(cell).cast(pl.String).alias(key) for cell, key in rename.items()]
    )
    keys = list(rename.values())
    blank = pl.all_horizontal(
        [pl.col(k).is_null() | (pl.col(k).str.strip_chars() == "") for k in keys]
    )
    is_total = (
        match_key_expr(pl.col("commune_code")) == match_key(total_label)
        if "commune_code" in keys
        else pl.lit(False)
    )
    body = body.with_columns(_blank=blank, _total=is_total)
    stops = body.filter(pl.col("_blank") | pl.col("_total"))
    stop_row = int(stops["excel_row"][0]) if stops.height else None
    if stop_row is None:
        rows, total = body, body.clear()
    else:
        rows = body.filter(pl.col("excel_row") < stop_row)
        total = body.filter((pl.col("excel_row") == stop_row) & pl.col("_total"))
    return Table(
        rows=rows.drop("_blank", "_total"),
        total=total.drop("_blank", "_total"),
        header_row=header_row,
        findings=pl.concat(findings),
    )


def _missing_columns(labels: list[str], sheet: str) -> pl.DataFrame:
    return findings_frame(
        [{"sheet": sheet, "rule_id": "column_missing", "expected": label} for label in labels]
    )
