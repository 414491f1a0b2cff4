"""ntm: district submissions in, indicators and the committee report out.

``ntm`` holds the I/O and storage (files, workbooks, the DuckDB warehouse) and the command line;
pure computation lives in ``transforms``, Prefect orchestration in ``flows``.
"""

__version__ = "0.1.0"
