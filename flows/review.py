"""The programme's final review (BÁO CÁO TỔNG KẾT) as a Prefect flow, for operators who start
it from the UI or the CLI. One coarse task renders it; the year-end tables it reads are those
the quarterly runs stored (computed here only where they are missing).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger, runtime, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact

from flows.quarterly import alert_on_failure
from ntm.reference import load_reference
from ntm.report import generate_review
from ntm.store.lock import data_dir_lock
from ntm.store.paths import DataDir


@task(name="render review")
def render_review(data_dir: str, programme: str, today: str) -> dict[str, Any]:
    ref = load_reference()
    catalogue = next((c for c in ref.catalogues if c.programme == programme), None)
    if catalogue is None:
        known = ", ".join(c.programme for c in ref.catalogues)
        raise ValueError(f"no programme {programme!r} in the reference data (known: {known})")
    run_id = str(runtime.flow_run.get_id() or "ntm")
    outcome = generate_review(
        DataDir.resolve(data_dir), ref, catalogue, datetime.fromisoformat(today).date(), run_id
    )
    for warning in outcome.warnings:
        get_run_logger().warning("weasyprint: %s", warning)
    return {"pdf": str(outcome.pdf), "version": outcome.version, "pages": outcome.pages}


@flow(name="programme-review", on_failure=[alert_on_failure], on_crashed=[alert_on_failure])
def programme_review(
    programme: str = "2021-2025", data_dir: str = "data", today: str | None = None
) -> dict[str, Any]:
    """Render a new version of the programme's final review and publish its link."""
    ref = load_reference()
    day = today or datetime.now(ZoneInfo(ref.settings.timezone)).date().isoformat()
    with data_dir_lock(DataDir.resolve(data_dir), wait_seconds=60):
        review = render_review(data_dir, programme, day)
    create_markdown_artifact(
        f"# Báo cáo tổng kết {programme}\n\n- Phiên bản {review['version']}, "
        f"{review['pages']} trang\n- Tệp PDF: `{review['pdf']}`",
        key="programme-review",
        description=programme,
    )
    create_link_artifact(
        Path(review["pdf"]).resolve().as_uri(), link_text=Path(review["pdf"]).name,
        key="programme-review-pdf",
    )  # fmt: skip
    return {"programme": programme, **review}
