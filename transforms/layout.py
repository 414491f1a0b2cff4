"""From the cells of sheets (or CSVs) to one row per commune, keyed by column key.

A grid is a frame of text cells as read from files: ``file_id``, ``excel_row`` (the frame row's
position in its sheet + 1) and one text column per sheet column. Grids of many files are
stacked and worked on together, so that a batch of 700 files costs a few set-wise statements,
not 700 times a few. In each file the header row is found by its labels, anywhere below any
title rows; data rows follow it and end at the first empty row or at the total row.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from transforms.findings import FILE_ID, with_file
from transforms.text import match_key, match_key_expr

# A header row must hold at least this many known labels; fewer means the header is missing.
MIN_HEADER_MATCHES = 3


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str  # "code", "text" or "figure"


@dataclass(frozen=True)
class Tables:
    """The tables found in a batch of grids; every frame carries ``file_id``."""

    rows: pl.DataFrame  # file_id, excel_row, then one text column per column key
    total: pl.DataFrame  # the total rows in the same shape, at most one per file
    headers: pl.DataFrame  # file_id, header_row (Excel row number), for files with a header
    findings: pl.DataFrame  # file_id and the finding columns


@dataclass(frozen=True)
class Table:
    """One file's table (``extract_table``)."""

    rows: pl.DataFrame  # excel_row, then one text column per key found
    total: pl.DataFrame
    header_row: int | None
    findings: pl.DataFrame


def with_excel_rows(grid: pl.DataFrame, first_row: int = 1) -> pl.DataFrame:
    return grid.with_row_index("excel_row", offset=first_row).with_columns(
        pl.col("excel_row").cast(pl.Int64)
    )


def cells(grid: pl.DataFrame) -> pl.DataFrame:
    """The non-empty cells of stacked grids: file_id, excel_row, position, text."""
    columns = [c for c in grid.columns if c not in (FILE_ID, "excel_row")]
    if not columns:
        return pl.DataFrame(
            schema={
                FILE_ID: pl.Int64,
                "excel_row": pl.Int64,
                "position": pl.Int64,
                "text": pl.String,
            }
        )
    return (
        grid.select(FILE_ID, "excel_row", *[pl.col(c).cast(pl.String) for c in columns])
        .unpivot(index=[FILE_ID, "excel_row"], variable_name="cell", value_name="text")
        .filter(pl.col("text").is_not_null())
        .select(
            pl.col(FILE_ID).cast(pl.Int64),
            "excel_row",
            # Columns keep their sheet order; the number at the end of a name is its position.
            pl.col("cell").str.extract(r"(\d+)$").cast(pl.Int64).alias("position"),
            "text",
        )
    )


def extract_tables(
    grid: pl.DataFrame,
    files: pl.DataFrame,
    columns: list[Column],
    total_label: str,
    ignored_headers: frozenset[str] = frozenset(),
) -> Tables:
    """Find each file's header, map its cells to column keys and cut out its commune rows.

    ``grid``: stacked text grids (``cells``' input). ``files``: file_id and sheet (the name
    findings quote) of every file in the batch, including files whose grid is empty. A header
    cell matches a column by its label or by its key (CSV files use keys).
    ``ignored_headers`` are match keys of header cells that belong to the file format but not
    to the table (the CSV's unit_code and period).
    """
    files = files.select(pl.col(FILE_ID).cast(pl.Int64), "sheet")
    keys = [c.key for c in columns]
    wanted = pl.DataFrame(
        {
            "match": [match_key(c.label) for c in columns] + [match_key(c.key) for c in columns],
            "key": keys * 2,
        }
    ).unique("match")
    # Most cells are figures, which match no label; only other text is normalised.
    text = pl.col("text")
    every = cells(grid).with_columns(
        match=pl.when(text.str.contains(r"^[0-9.,]+$")).then(text).otherwise(match_key_expr(text))
    )
    headers = header_rows(every, wanted)
    header_cells = every.join(headers, on=FILE_ID).filter(
        (pl.col("excel_row") == pl.col("header_row")) & (pl.col("match") != "")
    )
    # The first cell holding a label wins if a label is repeated.
    mapping = (
        header_cells.join(wanted, on="match", how="inner")
        .sort(FILE_ID, "position")
        .unique([FILE_ID, "key"], keep="first")
        .select(FILE_ID, "position", "key")
    )
    findings = _header_findings(files, columns, header_cells, mapping, ignored_headers)
    body = (
        every.join(headers, on=FILE_ID)
        .filter(pl.col("excel_row") > pl.col("header_row"))
        .join(mapping, on=[FILE_ID, "position"], how="inner")
    )
    kept = body.join(_table_ends(body, headers, match_key(total_label)), on=FILE_ID)
    rows = _wide(
        kept.filter(pl.col("stop").is_null() | (pl.col("excel_row") < pl.col("stop"))), keys
    )
    total = _wide(kept.filter(pl.col("excel_row") == pl.col("total_row")), keys)
    return Tables(rows, total, headers, findings)


def header_rows(every: pl.DataFrame, wanted: pl.DataFrame) -> pl.DataFrame:
    """file_id, header_row: per file, the row with the most known labels (at least
    ``MIN_HEADER_MATCHES``), the topmost of equals."""
    labelled = every.filter(pl.col("match") != "").join(wanted, on="match", how="inner")
    return (
        labelled.group_by(FILE_ID, "excel_row")
        .agg(pl.col("key").n_unique().alias("n"))
        .filter(pl.col("n") >= MIN_HEADER_MATCHES)
        .sort([FILE_ID, "n", "excel_row"], descending=[False, True, False])
        .unique(FILE_ID, keep="first")
        .select(FILE_ID, header_row="excel_row")
    )


def _header_findings(
    files: pl.DataFrame,
    columns: list[Column],
    header_cells: pl.DataFrame,
    mapping: pl.DataFrame,
    ignored_headers: frozenset[str],
) -> pl.DataFrame:
    """Columns of the format missing from a file's header, and header cells it does not know."""
    keys = [c.key for c in columns]
    missing = (
        files.join(pl.DataFrame({"key": keys, "expected": [c.label for c in columns]}), how="cross")
        .join(mapping, on=[FILE_ID, "key"], how="anti")
        .with_columns(
            rule_id=pl.lit("column_missing"),
            order=pl.col("key").replace_strict(keys, list(range(len(keys))), return_dtype=pl.Int64),
        )
        .sort(FILE_ID, "order")
    )
    extra = (
        header_cells.join(mapping, on=[FILE_ID, "position"], how="anti")
        .filter(~pl.col("match").is_in(list(ignored_headers)))
        .sort(FILE_ID, "position")
        .join(files, on=FILE_ID)
        .select(
            FILE_ID,
            "sheet",
            "excel_row",
            column_label="text",
            value_found="text",
            rule_id=pl.lit("extra_column"),
        )
    )
    return pl.concat([with_file(missing), with_file(extra)])


def _table_ends(body: pl.DataFrame, headers: pl.DataFrame, total_key: str) -> pl.DataFrame:
    """file_id, stop (the first row not in the table: an empty row or the total row, null when
    the table runs to the end) and total_row (when the total row ends the table)."""
    present = (
        body.filter(pl.col("text").str.strip_chars() != "")
        .group_by(FILE_ID, "excel_row", "header_row")
        .agg(is_total=((pl.col("key") == "commune_code") & (pl.col("match") == total_key)).any())
        .sort(FILE_ID, "excel_row")
        # Rows are numbered from the header down: the first number that skips marks an empty
        # row, where the table ends.
        .with_columns(
            gap=pl.col("excel_row")
            != pl.col("header_row") + pl.int_range(1, pl.len() + 1).over(FILE_ID)
        )
    )
    first_gap = (
        present.with_columns(rank=pl.int_range(1, pl.len() + 1).over(FILE_ID))
        .filter(pl.col("gap"))
        .group_by(FILE_ID)
        .agg(blank_row=(pl.col("header_row") + pl.col("rank")).min())
    )
    first_total = (
        present.filter(pl.col("is_total"))
        .group_by(FILE_ID)
        .agg(total_row=pl.col("excel_row").min())
    )
    return (
        headers.join(first_gap, on=FILE_ID, how="left")
        .join(first_total, on=FILE_ID, how="left")
        .select(
            FILE_ID,
            stop=pl.min_horizontal("blank_row", "total_row"),
            total_row=pl.when(
                pl.col("blank_row").is_null() | (pl.col("total_row") < pl.col("blank_row"))
            ).then(pl.col("total_row")),
        )
    )


def text_columns(frame: pl.DataFrame, index: list[str], keys: list[str]) -> pl.DataFrame:
    """``index`` then one text column per key, in that order; a key ``frame`` lacks is null."""
    return frame.select(
        *index,
        *[pl.col(k) if k in frame.columns else pl.lit(None, pl.String).alias(k) for k in keys],
    )


def _wide(long: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """file_id, excel_row and one text column per key (null where the file has no such cell)."""
    rows = long.select(FILE_ID, "excel_row").unique().sort(FILE_ID, "excel_row")
    index = [FILE_ID, "excel_row"]
    if long.is_empty():
        return text_columns(rows, index, keys)
    spread = long.pivot(on="key", index=index, values="text")
    return text_columns(rows.join(spread, on=index, how="left"), index, keys)


def extract_table(
    grid: pl.DataFrame,
    columns: list[Column],
    sheet: str,
    total_label: str,
    ignored_headers: frozenset[str] = frozenset(),
) -> Table:
    """``extract_tables`` for one file's grid, without file_id; columns not found are left out."""
    tables = extract_tables(
        grid.with_columns(pl.lit(0, pl.Int64).alias(FILE_ID)),
        pl.DataFrame({FILE_ID: [0], "sheet": [sheet]}),
        columns,
        total_label,
        ignored_headers,
    )
    found = set(tables.findings.filter(pl.col("rule_id") == "column_missing")["expected"])
    keep = ["excel_row", *[c.key for c in columns if c.label not in found]]
    header = tables.headers["header_row"]
    return Table(
        tables.rows.select(keep),
        tables.total.select(keep),
        int(header[0]) if header.len() else None,
        tables.findings.drop(FILE_ID),
    )
