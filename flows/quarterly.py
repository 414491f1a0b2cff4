"""The quarterly job as one Prefect flow: ingest the inbox, rebuild the indicators, render the
report, publish. A few coarse tasks, each a thin wrapper around ``ntm``; files are processed
inside the tasks (never a task per file, commune or row), and no DuckDB connection crosses a
task boundary: each task opens the warehouse by path.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from prefect import Flow, flow, get_run_logger, runtime, task
from prefect.artifacts import (
    create_link_artifact,
    create_markdown_artifact,
    create_table_artifact,
)
from prefect.client.schemas.objects import FlowRun, State

from flows.memory import give_back_memory
from flows.retry import retry_if_transient
from ntm.indicators.completeness import summary_lines
from ntm.indicators.followup import write_followup_workbook
from ntm.indicators.mart import stored_tables
from ntm.indicators.tables import unjudged_targets
from ntm.intake.ingest import ingest_files
from ntm.reference import load_reference
from ntm.report import generate_report
from ntm.report.versions import PeriodClosedError
from ntm.store.alerts import write_alert
from ntm.store.closures import closed_state
from ntm.store.lock import data_dir_lock
from ntm.store.paths import DataDir
from ntm.store.warehouse import Warehouse
from transforms.periods import Period, last_ended_quarter
from transforms.text import escaped


@task(
    name="ingest inbox",
    retries=1,
    retry_delay_seconds=5,
    retry_condition_fn=retry_if_transient,
)
def ingest_inbox(data_dir: str, units: list[str] | None) -> list[dict[str, Any]]:
    """Every file of the inbox; returns one summary row per file."""
    directory = DataDir.resolve(data_dir)
    outcomes = ingest_files([directory.inbox], directory, load_reference(), units=units)
    logger = get_run_logger()
    for outcome in outcomes:
        if outcome.status == "rejected" or outcome.quarantined:
            logger.warning(outcome.line())
    return [
        {
            "file": escaped(outcome.path.name),
            "unit": outcome.unit_code or "?",
            "period": outcome.period or "?",
            "status": outcome.status,
            "issues": outcome.issues,
            "quarantined": outcome.quarantined,
            "amendment": outcome.amendment,
            "form": outcome.form,
        }
        for outcome in outcomes
    ]


@task(
    name="build indicators",
    retries=1,
    retry_delay_seconds=5,
    retry_condition_fn=retry_if_transient,
)
def build_indicators(data_dir: str, period: str) -> dict[str, Any]:
    """Compute the period's tables once and store them (the report reads them back), with the
    staff workbook; returns province headlines and the period's completeness lines (what
    ``ntm summary`` prints), read while the run holds the data dir."""
    directory = DataDir.resolve(data_dir)
    parsed = Period.parse(period) or _bad(period)
    ref = load_reference()
    with Warehouse.open(directory.warehouse, read_only=True) as warehouse:
        stored = stored_tables(directory, warehouse, ref, parsed, store=True)
        followup = stored.tables.followup
        signed = closed_state(warehouse, period)
        # ``ntm run`` prints these after the flow: read now, while this run holds the lock, not
        # by reopening the warehouse once another run may have taken it.
        summary = summary_lines(warehouse, ref, [parsed])
    if signed is not None:
        get_run_logger().warning(
            "%s is closed: these headlines and chi-tieu_%s.xlsx hold the latest accepted "
            "figures; the signed ones are in %s (ntm indicators --period %s)",
            period, period, signed.archive_path, period,
        )  # fmt: skip
    workbook = directory.followup_workbook(period)
    write_followup_workbook(workbook, followup, parsed)
    indicators = stored.tables.indicators
    province = indicators.filter(indicators["unit_level"] == "province")
    unjudged = unjudged_targets(stored.tables)
    for line in unjudged:
        get_run_logger().warning("%s: %s", period, line)
    return {
        "workbook": str(directory.indicator_workbook(period)),
        "province": {r["indicator"]: (r["numerator"], r["denominator"])
                     for r in province.iter_rows(named=True)},
        "unjudged_targets": unjudged,
        "closed": signed is not None,  # then the headlines are current, not the signed ones
        "summary": summary,
        "followup": {
            "workbook": str(workbook),
            "rows": [
                {"unit": f"{r['unit_code']} {r['unit_name']}", "status": r["status"],
                 "missing": r["missing"], "periods_in_a_row": r["late_in_a_row"],
                 "since": r["since"]}
                for r in followup.iter_rows(named=True)
            ],
        },
    }  # fmt: skip


@task(name="render report")
def render_report(
    data_dir: str, period: str, today: str, force: bool, amended: bool = False
) -> dict[str, Any]:
    """A new report version, unless the latest one already reads the same inputs. Over a
    closed period, nothing unless ``amended``: the signed version stands."""
    directory = DataDir.resolve(data_dir)
    ref = load_reference()
    parsed = Period.parse(period) or _bad(period)
    run_id = str(runtime.flow_run.get_id() or "ntm")
    logger = get_run_logger()
    closed: dict[str, bool] = {}
    try:
        outcome = generate_report(
            directory, ref, parsed, datetime.fromisoformat(today).date(), run_id,
            reuse_if_unchanged=not force, amended=amended,
        )  # fmt: skip
    except PeriodClosedError as error:
        logger.warning("%s", error)
        outcome, closed = error.signed, {"closed": True}
    for warning in outcome.warnings:
        logger.warning("weasyprint: %s", warning)
    return {
        "pdf": str(outcome.pdf),
        "version": outcome.version,
        "pages": outcome.pages,
        "new": not outcome.reused,
        **closed,
    }


@task(name="publish")
def publish(
    period: str,
    files: list[dict[str, Any]],
    report: dict[str, Any],
    unjudged: list[str],
    followup: dict[str, Any],
) -> None:
    """Artifacts an operator reads in the UI: summary, findings per unit, the PDF, and a
    warning for each target the period is not judged against."""
    counts: dict[str, int] = {}
    for row in files:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    tally = ", ".join(f"{status}: {n}" for status, n in sorted(counts.items()))
    lines = [
        f"# Báo cáo {period}",
        "",
        f"- Tệp đã xử lý: {len(files)} ({tally})",
        f"- Báo cáo: phiên bản {report['version']}, {report['pages']} trang"
        + (
            " (kỳ đã chốt: giữ phiên bản đã ký, không lập lại)"
            if report.get("closed")
            else ""
            if report["new"]
            else " (không đổi, dùng lại phiên bản trước)"
        ),
        f"- Tệp PDF: `{report['pdf']}`",
    ]
    reviews = [row for row in files if row.get("form") == "HN" and row["status"] != "unchanged"]
    if reviews:
        lines += ["", "## Danh sách rà soát hộ nghèo, hộ cận nghèo (biểu HN)", ""]
        lines += [f"- {r['unit']} {r['period']}: `{r['file']}` ({r['status']})" for r in reviews]
    amendments = [row for row in files if row.get("amendment")]
    if amendments:
        lines += ["", "## Số liệu điều chỉnh các kỳ đã chốt", ""]
        lines += [f"- {r['unit']} {r['period']}: `{r['file']}`" for r in amendments]
    if unjudged:
        lines += ["", "## Cảnh báo: chỉ tiêu chưa đánh giá được", ""]
        lines += [f"- {line}" for line in unjudged]
    create_markdown_artifact("\n".join(lines), key="quarterly-summary", description=period)
    create_table_artifact(
        [row for row in files if row["status"] != "unchanged"] or [{"file": "-", "status": "-"}],
        key="findings-per-unit",
        description=f"Files ingested in this run ({period})",
    )
    create_link_artifact(
        Path(report["pdf"]).resolve().as_uri(), link_text=Path(report["pdf"]).name,
        key="report-pdf",
    )  # fmt: skip
    # The inspection committee's list: who is late, missing or rejected, and for how long.
    create_table_artifact(
        followup["rows"] or [{"unit": "-", "status": "Không có đơn vị nào chậm, thiếu báo cáo"}],
        key="followup-list",
        description=f"Units to follow up ({period}); workbook: {followup['workbook']}",
    )


def _bad(period: str) -> Period:
    raise ValueError(f"{period!r} is not a period like 2024-Q4")


def alert_on_failure(flow: Flow[..., Any], flow_run: FlowRun, state: State[Any]) -> None:
    """Log the failure and leave an alert file (and a webhook call if configured)."""
    data_dir = DataDir.resolve(str(flow_run.parameters.get("data_dir") or "data"))
    message = state.message or "the run failed"
    path = write_alert(data_dir, flow_run.name or str(flow_run.id), f"{flow.name}: {message}")
    get_run_logger().error("alert written to %s: %s", path, message)


@flow(name="quarterly-report", on_failure=[alert_on_failure], on_crashed=[alert_on_failure])
def quarterly_report(
    period: str | None = None,
    units: list[str] | None = None,
    force: bool = False,
    data_dir: str = "data",
    today: str | None = None,
    amended: bool = False,
) -> dict[str, Any]:
    """Ingest what is in the inbox, rebuild the indicators, render and publish the report.

    ``period`` defaults to the last quarter that has ended in Asia/Ho_Chi_Minh; ``units``
    limits the ingest to those reporting units; ``force`` renders a new version even when the
    inputs did not change. A closed period's signed report is never rendered over: the run
    keeps it, unless ``amended`` asks for a version headed "BẢN ĐIỀU CHỈNH" (the ad-hoc
    deployment takes it). One run per data dir at a time: a second one waits up to a minute,
    then fails with a clear message.
    """
    ref = load_reference()
    local_today = datetime.now(ZoneInfo(ref.settings.timezone)).date()
    day = today or local_today.isoformat()
    chosen = period or str(last_ended_quarter(datetime.fromisoformat(day).date()))
    directory = DataDir.resolve(data_dir)
    with data_dir_lock(directory, wait_seconds=60):
        files = ingest_inbox(data_dir, units)
        give_back_memory()
        headlines = build_indicators(data_dir, chosen)
        give_back_memory()  # the render's peak then starts from the run's live data only
        report = render_report(data_dir, chosen, day, force, amended)
        publish(chosen, files, report, headlines["unjudged_targets"], headlines["followup"])
    if headlines["unjudged_targets"]:
        run_name = str(runtime.flow_run.name or runtime.flow_run.id or "ntm")
        message = f"{chosen}: " + "; ".join(headlines["unjudged_targets"])
        write_alert(directory, run_name, message, level="warning")
    return {"period": chosen, "files": len(files), "report": report, **headlines}
