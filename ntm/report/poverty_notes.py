"""What the poverty paragraph says about the target band and a change of poverty standard:
that the band's fall exceeds the rate left (the chart stops it at 0%), and the overlap year
measured with both standards (the bridge, domain.md §8) or why the next year cannot be judged."""

from __future__ import annotations

from typing import Any

import polars as pl

from ntm.indicators.tables import PeriodTables
from ntm.report import vi
from ntm.report.judging import Followed, Judging
from ntm.report.words import PROVISIONAL_VI, lowered


def beyond_zero_sentence(
    changes: pl.DataFrame, t: dict[str, Any] | None, judging: Judging, followed: Followed
) -> str:
    """When the band's fall from the base year would take the rate below 0% before the
    programme ends: that it exceeds the remaining rate, and from which year ("" otherwise).
    The chart stops the band at 0%; this says why it stops."""
    bounds = judging.band.bounds if judging.covered else None
    if bounds is None or t is None or t["base_year"] is None:
        return ""
    base = changes.filter(pl.col("year") == t["base_year"])
    if "bridge" in base.columns:  # a pace from the overlap year starts from the new standard
        base = base.sort("bridge", descending=True)
    if base.is_empty() or base["rate"][0] is None:
        return ""
    rate, base_year = int(base["rate"][0]), int(t["base_year"])
    span = judging.catalogue.last_year - base_year
    low, high = min(bounds), max(bounds)
    if span <= 0 or high * span <= rate:
        return ""
    provisional = f" ({PROVISIONAL_VI})" if judging.band.status == "provisional" else ""
    name = lowered(followed.short)
    sentence = (
        f"Mức giảm {vi.band(low, high)} điểm phần trăm/năm của chỉ tiêu{provisional} vượt "
        f"{name} còn lại ({vi.percent(rate)} cuối năm {base_year}): giảm "
        f"{vi.points(high)}/năm thì đến cuối năm {base_year + -(-rate // high)} {name} đã về 0%"
    )
    if low * span > rate:
        # Whole years, rounded up: the first year-end at or below 0.
        sentence += f", giảm {vi.points(low)}/năm thì đến cuối năm {base_year + -(-rate // low)}"
    return (
        f"{sentence} (giai đoạn kết thúc năm {judging.catalogue.last_year}); vùng mục tiêu "
        f"trên biểu đồ dừng ở mức 0%."
    )


def bridge_notes(
    tables: PeriodTables, judging: Judging, followed: Followed, bridge: pl.DataFrame
) -> tuple[str, ...]:
    """Around a change of standard with a bridge in the catalogue (its year and the next):
    the overlap year under both standards, or that the province cannot be judged the next year
    and why; and the communes without a baseline review, which cannot be either."""
    plan = judging.catalogue.bridge if judging.covered else None
    latest = tables.changes.filter(~pl.col("bridge"))["year"].max()
    if plan is None or latest is None or not plan.year <= int(str(latest)) <= plan.year + 1:
        return ()
    name = lowered(followed.short)
    notes = []
    if bridge.height:
        r = bridge.row(0, named=True)
        notes.append(
            f"Theo kết quả rà soát đầu kỳ theo {lowered(r['standard'])}, {name} toàn tỉnh cuối "
            f"năm {plan.year} là {vi.percent(r['rate'])} ({vi.count(r['counted'])}/"
            f"{vi.count(r['households'])} hộ): năm {plan.year} có số liệu theo cả hai chuẩn "
            f"nghèo, và mức giảm năm {plan.year + 1} được tính từ mốc này, cùng một chuẩn."
        )
    else:
        notes.append(
            f"Chưa có kết quả rà soát đầu kỳ theo chuẩn nghèo mới cuối năm {plan.year} của tất "
            f"cả các xã ({plan.source}): không thể tính mức giảm {name} toàn tỉnh năm "
            f"{plan.year + 1} theo cùng một chuẩn, nên năm {plan.year + 1} chưa đánh giá được "
            f"theo chỉ tiêu (không so sánh giữa hai chuẩn nghèo)."
        )
    communes = tables.changes.filter(pl.col("unit_level") == "commune")
    measured = communes.filter(~pl.col("bridge") & (pl.col("year") == plan.year))
    missing = measured.join(
        communes.filter(pl.col("bridge")).select("unit_code"), on="unit_code", how="anti"
    ).join(tables.units.select("unit_code", "unit_name"), on="unit_code", how="left")
    if missing.height and bridge.height == 0 and missing.height < measured.height:
        names = ", ".join(str(n) for n in missing.sort("unit_code")["unit_name"].to_list())
        notes.append(
            f"{vi.count(missing.height)}/{vi.count(measured.height)} xã chưa có kết quả rà soát "
            f"đầu kỳ: {names}; năm {plan.year + 1} các xã này chưa đánh giá được mức giảm."
        )
    return tuple(notes)
