"""The issuer is dated data (issue 18): each report carries the issuer in force on its date of
issue, from data/reference/report.toml's [[issuer]] list."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from ntm.reference import REFERENCE_DIR
from ntm.reference.files import ReferenceError
from ntm.reference.report_config import load_report_config
from ntm.report.document import document_closing, document_header

OLD = ("ĐẢNG BỘ KHỐI CCQ VÀ DN TỈNH", "ĐẢNG ỦY SỞ LAO ĐỘNG - TB&XH")
NEW = ("ĐẢNG BỘ UBND TỈNH HÀ TĨNH", "ĐẢNG ỦY SỞ NỘI VỤ")


def test_each_date_of_issue_takes_the_issuer_in_force_then() -> None:
    config = load_report_config(REFERENCE_DIR)
    for day, names, recipient in (
        (date(2025, 1, 5), OLD, "Lãnh đạo Sở LĐTBXH;"),
        (date(2025, 12, 31), OLD, "Lãnh đạo Sở LĐTBXH;"),
        (date(2026, 1, 1), NEW, "Lãnh đạo Sở Nội vụ;"),
        (date(2026, 12, 6), NEW, "Lãnh đạo Sở Nội vụ;"),
    ):
        header = document_header(config, "BÁO CÁO", "s", "b", day)
        assert (header.superior_body, header.issuing_committee) == names, day
        assert recipient in document_closing(config, day).recipients, day
    # The reorganised body is the department's to confirm, and the file says so.
    assert config.issuer_on(date(2026, 12, 6)).status == "to_confirm"
    assert "TO BE CONFIRMED BY THE DEPARTMENT" in (REFERENCE_DIR / "report.toml").read_text()


def reference_with(tmp_path: Path, text: str) -> Path:
    root = tmp_path / "reference"
    root.mkdir()
    shutil.copy(REFERENCE_DIR / "report.toml", root / "report.toml")
    (root / "report.toml").write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.split("[[issuer]]")[0], "needs at least one [[issuer]]"),
        (lambda t: 'superior_body = "X"\n' + t, "superior_body belong in an [[issuer]]"),
        (lambda t: t.replace("valid_from = 2026-01-01", "valid_from = 2016-01-01"), "same day"),
        (lambda t: t.replace('status = "to_confirm"', 'status = "maybe"'), "status must be"),
        (lambda t: t.replace('issuing_committee = "ĐẢNG ỦY SỞ NỘI VỤ"\n', ""), "missing"),
        (lambda t: t.replace("valid_from = 2026-01-01", 'valid_from = "2026"'), "must be a date"),
    ],
)
def test_a_wrong_issuer_list_is_refused_at_start_up(
    tmp_path: Path, change: Callable[[str], str], message: str
) -> None:
    text = (REFERENCE_DIR / "report.toml").read_text(encoding="utf-8")
    with pytest.raises(ReferenceError, match=re.escape(message)):
        load_report_config(reference_with(tmp_path, change(text)))
