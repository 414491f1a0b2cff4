"""The demo's household reviews (form HN): counts that are the Q4 forms' but for the two planted
mismatches, rows that follow the rule, codes that persist, flows that are the forms', no
personal data, the baseline review under the next standard, both file types, the same bytes
whatever the range asked, and the three messy household files.

One generation of the reviews whose Q4 lies in 2024-Q4..2026-Q4 (2024, 2025 and 2026 periodic,
2026 baseline: across the 2025 merge of communes and the change of standard) serves most tests.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import fastexcel
import polars as pl
import pytest

from ntm.demo import MESSY_CASES, demo_figures, generate_demo, generate_households, generate_messy
from ntm.demo.household_draws import NEAR, OUT, POOR
from ntm.demo.households import PLANTED_MISMATCHES, planted_mismatches, simulate_reviews
from ntm.demo.inbox import FOLDER
from ntm.demo.simulate import DEMO_SEED
from ntm.reference import Reference
from transforms.households import personal_value_pattern
from transforms.periods import Period
from transforms.registry import reporting_units

FIRST, LAST = Period(2024, 4), Period(2026, 4)
REVIEWS = ("2024-dinh-ky", "2025-dinh-ky", "2026-dinh-ky", "2026-dau-ky")
BOM = b"\xef\xbb\xbf"
CODE = re.compile(r"^[0-9]{5}-[0-9]{5}$")


def _labels_to_keys(ref: Reference) -> dict[str, str]:
    labels = {label: key for key, label in ref.households.labels.items()}
    for standard in ref.standards:
        labels |= dict(zip(standard.indicators["label"], standard.indicators["id"], strict=True))
    return labels


def read_review(path: Path, ref: Reference) -> tuple[dict[str, str], pl.DataFrame]:
    """A file's metadata (key -> text) and rows (one text column per key), as a reader sees
    them: numbers as typed (``1``, not ``1.0``)."""
    if path.suffix == ".csv":
        data = path.read_bytes()
        assert data.startswith(BOM)
        rows = pl.read_csv(data[len(BOM) :], infer_schema=False)
        meta_keys = list(ref.households.csv_metadata_columns)
        assert rows.columns[: len(meta_keys)] == meta_keys
        for key in meta_keys:  # the same on every row
            assert rows[key].n_unique() == 1, key
        return {k: rows[k][0] for k in meta_keys}, rows.drop(meta_keys)
    reader = fastexcel.read_excel(path.read_bytes())
    assert reader.sheet_names == [ref.households.metadata_sheet, ref.households.households_sheet]
    info = reader.load_sheet(ref.households.metadata_sheet, header_row=None, dtypes="string")
    labels = {label: key for key, label in ref.households.labels.items()}
    meta = {labels[a]: b for a, b in info.to_polars().rows()}
    sheet = reader.load_sheet(ref.households.households_sheet, header_row=1, dtypes="string")
    rows = sheet.to_polars()
    rows = rows.rename(_labels_to_keys(ref), strict=False)
    return meta, rows.with_columns(pl.all().str.replace(r"^(-?\d+)\.0$", "$1"))


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> tuple[Path, list[Path]]:
    inbox = tmp_path_factory.mktemp("households")
    return inbox, generate_households(inbox, ref, FIRST, LAST)


@pytest.fixture(scope="module")
def files(written, ref) -> dict[Path, tuple[dict[str, str], pl.DataFrame]]:
    """Every file as read back: its metadata and its rows."""
    _, paths = written
    return {path: read_review(path, ref) for path in paths}


@pytest.fixture(scope="module")
def reviews(files) -> dict[str, pl.DataFrame]:
    """Every review's rows, all its files together, with the unit and the file's suffix."""
    parts: dict[str, list[pl.DataFrame]] = {}
    for path, (meta, rows) in files.items():
        parts.setdefault(path.parent.name, []).append(
            rows.with_columns(unit_code=pl.lit(meta["unit_code"]), suffix=pl.lit(path.suffix))
        )
    return {name: pl.concat(frames, how="diagonal") for name, frames in parts.items()}


@pytest.fixture(scope="module")
def forms(ref) -> pl.DataFrame:
    """The Q4 forms' figures of the demo, per commune of each year's structure."""
    return demo_figures(ref, FIRST, LAST).filter(pl.col("period").str.ends_with("Q4"))


def _counts(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.group_by("commune_code").agg(
        poor=(pl.col("result") == "Hộ nghèo").sum().cast(pl.Int64),
        near_poor=(pl.col("result") == "Hộ cận nghèo").sum().cast(pl.Int64),
    )


def test_one_file_per_reporting_unit_and_review_in_both_types(written, ref):
    inbox, paths = written
    assert sorted({p.parent.name for p in paths}) == sorted(REVIEWS)
    assert all(p.parent.parent == inbox / FOLDER for p in paths)
    for review in REVIEWS:
        year, kind = int(review[:4]), review[5:]
        units = reporting_units(ref.registry, date(year, 12, 31), ref.settings.communes_report_from)
        stems = [p.stem for p in paths if p.parent.name == review]
        assert sorted(stems) == sorted(f"HN_{u}_{year}_{kind}" for u in units["unit_code"])
    assert {p.suffix for p in paths} == {".csv", ".xlsx"}
    assert sum(p.suffix == ".csv" for p in paths) > 4 * sum(p.suffix == ".xlsx" for p in paths)
    readme = (inbox / FOLDER / "README.txt").read_text(encoding="utf-8")
    assert all(review in readme for review in REVIEWS)


def test_the_metadata_names_form_hn_its_review_and_standard(files, ref):
    kinds = {k.code: k.label for k in ref.households.kinds}
    for path, (meta, _) in files.items():
        _, unit, year, kind = path.stem.split("_")
        standard = ref.review_standard(int(year), kind)
        assert standard is not None
        assert (meta["unit_code"], meta["review_year"]) == (unit, year)
        assert (meta["review_kind"], meta["standard"]) == (kinds[kind], standard.id)
        if path.suffix == ".xlsx":
            assert meta["form"] == "HN" and meta["template_version"] == "HN-1"
            assert meta["prepared_by"] and not any(ch.isdigit() for ch in meta["prepared_by"])


def test_counts_are_the_q4_forms_but_for_the_two_planted(reviews, forms):
    found = set()
    for year in (2024, 2025, 2026):
        form = forms.filter(pl.col("period") == f"{year}-Q4")
        joined = form.join(_counts(reviews[f"{year}-dinh-ky"]), on="commune_code", how="full")
        assert joined["commune_code"].null_count() == 0, year  # the same communes
        assert joined["commune_code_right"].null_count() == 0, year
        for count in ("poor", "near_poor"):
            off = joined.filter(pl.col(count) != pl.col(f"{count}_end"))
            found |= {
                (year, code, count, review - end)
                for code, review, end in off.select("commune_code", count, f"{count}_end").rows()
            }
    assert found == {(p.year, p.commune_code, p.count, p.offset) for p in PLANTED_MISMATCHES}


def test_the_readme_names_the_planted_mismatches_with_both_figures(written, reviews, forms, ref):
    inbox, _ = written
    readme = (inbox / FOLDER / "README.txt").read_text(encoding="utf-8")
    assert [m.line(ref.households) in readme for m in planted_mismatches(ref)] == [True, True]
    for planted in PLANTED_MISMATCHES:
        rows = reviews[f"{planted.year}-dinh-ky"].filter(
            pl.col("commune_code") == planted.commune_code
        )
        form = forms.filter(
            (pl.col("period") == f"{planted.year}-Q4")
            & (pl.col("commune_code") == planted.commune_code)
        )[f"{planted.count}_end"].item()
        review = _counts(rows)[planted.count].item()
        assert review == form + planted.offset
        assert f"commune {planted.commune_code} (" in readme
        assert f"{review} in the review, {form} in the {planted.year}-Q4 form" in readme


def test_every_row_follows_the_rule(reviews, ref):
    for name, rows in reviews.items():
        standard = ref.review_standard(int(name[:4]), name[5:])
        assert standard is not None
        flags = standard.indicator_ids
        count = pl.sum_horizontal(pl.col(flags).cast(pl.Int64))
        if standard.scores_income:
            cutoff = (
                pl.when(pl.col("area") == "Thành thị")
                .then(standard.score_cutoffs["urban"])
                .otherwise(standard.score_cutoffs["rural"])
            )
            below = pl.col("income_score").cast(pl.Int64) <= cutoff
            # Where a file has the optional flag, it agrees with the score.
            flag = pl.col("income_below_line").cast(pl.Int64)
            assert rows.filter(flag.is_not_null() & (flag != below.cast(pl.Int64))).is_empty()
        else:
            assert rows["income_score"].null_count() == rows.height, name
            below = pl.col("income_below_line").cast(pl.Int64) == 1
        rule = (
            pl.when(~below)
            .then(pl.lit("Không nghèo"))
            .when(count >= standard.poor_min_deprivations)
            .then(pl.lit("Hộ nghèo"))
            .otherwise(pl.lit("Hộ cận nghèo"))
        )
        checked = rows.with_columns(rule=rule, count=count)
        assert checked.filter(pl.col("rule") != pl.col("result")).is_empty(), name
        points = pl.col("deprivation_points").cast(pl.Int64)
        assert checked.filter(
            points.is_not_null() & (points != pl.col("count") * standard.points_per_indicator)
        ).is_empty()
        causes = [c.key for c in ref.households.causes]
        listed = checked.filter(pl.col("result") != "Không nghèo")
        assert listed.filter(~pl.any_horizontal(pl.col(causes) == "1")).is_empty(), name
        members = rows["members"].cast(pl.Int64)
        assert members.min() == 1 and members.max() == 8
        assert set(rows["area"]) <= {"Nông thôn", "Thành thị"}
    # Optional columns: Điểm B2 in most files, not all.
    points_missing = [
        name for name, rows in reviews.items() if rows["deprivation_points"].null_count()
    ]
    assert points_missing


def test_deprivations_ethnicity_and_flags_vary_as_in_a_real_review(reviews):
    rows = reviews["2025-dinh-ky"]
    share = rows.select(pl.all().exclude("suffix", "unit_code").cast(pl.Int64, strict=False).mean())
    common = share.select("health_insurance", "adult_education", "housing_quality").row(0)
    rare = share.select("child_schooling", "telecom", "nutrition").row(0)
    assert min(common) > 2 * max(rare)
    for flag in ("merit_person", "social_assistance", "no_labour", "ethnic_minority"):
        assert 0 < share[flag].item() < 0.5, flag
    # Ethnic minorities live in the mountain districts' communes (Hương Sơn, Vũ Quang, Hương
    # Khê: codes 18133-18223, 18313-18328, 18496-18550 in 2025).
    ethnic = rows.filter(pl.col("ethnic_minority") == "1")["commune_code"].cast(pl.Int64)
    assert ethnic.is_between(18133, 18223).any() and ethnic.is_between(18496, 18550).any()
    mountain = ethnic.is_between(18133, 18223) | ethnic.is_between(18313, 18328)
    assert (mountain | ethnic.is_between(18496, 18550)).all()


def test_codes_persist_and_the_movements_are_the_q4_forms_flows(reviews, forms):
    planted = {p.commune_code for p in PLANTED_MISMATCHES}
    for year in (2025, 2026):  # across the 2025 merge of communes, then within one structure
        prev, cur = reviews[f"{year - 1}-dinh-ky"], reviews[f"{year}-dinh-ky"]
        for rows in (prev, cur):
            assert rows["household_code"].str.contains(CODE.pattern).all()
            assert not rows["household_code"].is_duplicated().any()
        was = prev.select("household_code", was="result", was_members="members",
                          was_ethnic="ethnic_minority")  # fmt: skip
        moved = cur.join(was, on="household_code", how="left")
        # The same household keeps what does not change: its members, its ethnicity.
        same = moved.filter(pl.col("was").is_not_null())
        assert (same["members"] == same["was_members"]).all()
        assert (same["ethnic_minority"] == same["was_ethnic"]).all()
        # Every household on last year's lists is in this year's review, under its code (but
        # for those the planted mismatches put on the lists in the file only).
        listed = prev.filter(
            (pl.col("result") != "Không nghèo") & ~pl.col("commune_code").is_in(sorted(planted))
        )["household_code"]
        assert listed.is_in(cur["household_code"].implode()).all(), year
        for count, label in (("poor", "Hộ nghèo"), ("near_poor", "Hộ cận nghèo")):
            flows = (
                moved.group_by("commune_code")
                .agg(
                    exited=((pl.col("was") == label) & (pl.col("result") != label)).sum(),
                    entered=(
                        (pl.col("was") != label).fill_null(True) & (pl.col("result") == label)
                    ).sum(),
                )
                .join(forms.filter(pl.col("period") == f"{year}-Q4"), on="commune_code")
                .filter(~pl.col("commune_code").is_in(sorted(planted)))
            )
            assert flows.height > 60
            assert (flows["exited"] == flows[f"{count}_exited"]).all(), (year, count)
            entered = flows[f"{count}_returned"] + flows[f"{count}_new"]
            assert (flows["entered"] == entered).all(), (year, count)
    # A household back on the list after a year off it counts as returned, never as new.
    history = reviews["2024-dinh-ky"].filter(pl.col("result") == "Hộ nghèo")["household_code"]
    back = (
        reviews["2026-dinh-ky"]
        .join(
            reviews["2025-dinh-ky"].select("household_code", was="result"),
            on="household_code",
            how="left",
        )
        .filter(
            (pl.col("result") == "Hộ nghèo")
            & (pl.col("was") != "Hộ nghèo").fill_null(True)
            & pl.col("household_code").is_in(history.implode())
        )
        .group_by("commune_code")
        .len()
        .join(forms.filter(pl.col("period") == "2026-Q4"), on="commune_code")
    )
    assert (back["len"] <= back["poor_returned"]).all()


def test_returned_and_new_are_the_q4_forms_as_interfaces_md_counts_them(ref):
    """Against the previous periodic review: returned if on the list in an earlier review of
    the standard (2022 on), new if never. No household is returned before 2024 (none can be),
    in the lists or in the forms; every commune's flows are its Q4 form's but for the planted
    mismatches' communes (in 2025, and in 2026 where those rows are the previous review)."""
    simulated = simulate_reviews(ref, range(2022, 2027), DEMO_SEED)
    rows = {
        review.year: s.rows.select("commune_code", "household_code", "_status")
        for review, s in simulated.items()
        if review.kind == "dinh-ky"
    }
    forms = demo_figures(ref, Period(2022, 4), Period(2026, 4)).filter(
        pl.col("period").str.ends_with("Q4")
    )
    planted = sorted({p.commune_code for p in PLANTED_MISMATCHES})
    early = forms.filter(pl.col("period") < "2024").select("poor_returned", "near_poor_returned")
    assert early.sum().row(0) == (0, 0)
    returned = {}
    for year in range(2023, 2027):
        then = rows[year - 1].select("household_code", then="_status")
        moved = rows[year].join(then, on="household_code", how="left")
        # Every household on last year's lists is in this year's review, but for the planted.
        listed = then.filter(pl.col("then") != OUT)["household_code"]
        absent = rows[year - 1].filter(
            ~pl.col("household_code").is_in(rows[year]["household_code"].implode())
            & pl.col("household_code").is_in(listed.implode())
        )
        assert set(absent["commune_code"]) <= set(planted), year
        flows = []
        for count, status in (("poor", POOR), ("near_poor", NEAR)):
            # Before 2024 the only earlier review is the one compared with: nobody can return.
            earlier = [rows[2022].clear(), *(rows[y] for y in range(2022, year - 1))]
            ever = pl.concat(earlier).filter(pl.col("_status") == status)["household_code"]
            was = (pl.col("then") == status).fill_null(False)  # not in it: not X then
            now = pl.col("_status") == status
            before = pl.col("household_code").is_in(ever.implode())
            flows.append(
                moved.group_by("commune_code").agg(
                    (was & ~now).sum().alias(f"{count}_exited"),
                    (now & ~was & before).sum().alias(f"{count}_returned"),
                    (now & ~was & ~before).sum().alias(f"{count}_new"),
                )
            )
        lists = flows[0].join(flows[1], on="commune_code").sort("commune_code")
        columns = [c for c in lists.columns if c != "commune_code"]
        form = forms.filter(pl.col("period") == f"{year}-Q4").select("commune_code", *columns)
        joined = lists.join(form, on="commune_code", how="full", suffix="_form")
        assert joined["commune_code"].null_count() == joined["commune_code_form"].null_count() == 0
        differs = set(
            joined.filter(
                pl.any_horizontal(pl.col(c).cast(pl.Int64) != pl.col(f"{c}_form") for c in columns)
            )["commune_code"]
        )
        if year < 2025:
            assert not differs, year
        elif year == 2025:
            assert differs == set(planted)
        else:
            assert differs <= set(planted)
        returned[year] = lists.select("poor_returned", "near_poor_returned").sum().row(0)
    assert returned[2023] == (0, 0)
    assert all(min(returned[year]) > 0 for year in (2024, 2025, 2026)), returned


def test_no_cell_looks_like_an_identification_or_phone_number(files, reviews, ref):
    # As the ingest looks for them: digit groups joined, then a whole run of digits that is
    # an identification number (9 or 12 digits) or a phone number, anywhere in the cell.
    fmt = ref.households
    pattern = personal_value_pattern(fmt.id_number_pattern, fmt.phone_pattern)
    cells = pl.concat(
        [
            *[rows.get_column(c).cast(pl.String).unique() for rows in reviews.values()
              for c in rows.columns],
            *[pl.Series(list(meta.values())) for meta, _ in files.values()],
        ]
    ).unique()  # fmt: skip
    joined = (
        cells.str.replace(r"^(\d+)\.0+$", "$1")
        .str.replace_all(r"(\d)[ .\-\u00a0](\d)", "$1$2")
        .str.replace_all(r"(\d)[ .\-\u00a0](\d)", "$1$2")
    )
    assert cells.len() > 50_000  # every household code among them
    assert not joined.str.contains(pattern).fill_null(False).any()
    for rows in reviews.values():
        assert rows["household_code"].str.contains(CODE.pattern).all()


def test_the_baseline_review_counts_more_poor_under_the_higher_line(reviews, ref):
    periodic, baseline = reviews["2026-dinh-ky"], reviews["2026-dau-ky"]
    standard = ref.review_standard(2026, "dau-ky")
    assert standard is not None and standard.id == "2027-2030" and not standard.scores_income
    assert set(standard.indicator_ids) <= set(baseline.columns)
    assert baseline["income_below_line"].null_count() == 0
    poor = (periodic["result"] == "Hộ nghèo").sum(), (baseline["result"] == "Hộ nghèo").sum()
    assert poor[1] > 1.3 * poor[0]
    # Every household poor under the old standard is poor under the new one, under its code.
    was_poor = periodic.filter(pl.col("result") == "Hộ nghèo")["household_code"]
    still = baseline.filter(pl.col("household_code").is_in(was_poor.implode()))
    assert still.height == was_poor.len() and (still["result"] == "Hộ nghèo").all()
    per_commune = _counts(baseline).join(_counts(periodic), on="commune_code", suffix="_before")
    assert (per_commune["poor"] >= per_commune["poor_before"]).all()


def test_files_are_the_same_whatever_the_range_and_the_demo_writes_them(tmp_path, written, ref):
    """generate_demo for 2025-Q4 alone writes the quarterly files and the 2025 review, whose
    bytes and arrival times are those of the longer range's; some review files arrive before
    their unit's Q4 form, some after, the planted ones on their side."""
    _, paths = written
    demo = generate_demo(tmp_path, ref, first=Period(2025, 4), last=Period(2025, 4))
    quarterly = [p for p in demo if p.parent.name == "2025-Q4"]
    households = [p for p in demo if FOLDER in p.parts]
    assert demo == quarterly + households and len(quarterly) == len(households) == 69
    before = {p.name: (p.read_bytes(), p.stat().st_mtime) for p in paths
              if p.parent.name == "2025-dinh-ky"}  # fmt: skip
    assert {p.name: (p.read_bytes(), p.stat().st_mtime) for p in households} == before
    forms = {p.stem.split("_")[0]: p.stat().st_mtime for p in quarterly}
    after = {p.stem.split("_")[1]: p.stat().st_mtime > forms[p.stem.split("_")[1]]
             for p in households}  # fmt: skip
    assert 0 < sum(after.values()) < len(after)
    assert {p.commune_code: after[p.commune_code] for p in PLANTED_MISMATCHES} == {
        p.commune_code: p.after_q4 for p in PLANTED_MISMATCHES
    }
    zone = ZoneInfo(ref.settings.timezone)
    for path in paths:
        year = int(path.stem.split("_")[2])
        arrived = datetime.fromtimestamp(path.stat().st_mtime, zone).date()
        assert date(year, 12, 15) <= arrived <= date(year + 1, 1, 12), path.name


def test_the_messy_household_files(tmp_path, ref):
    written = {p.name: p for p in generate_messy(tmp_path, ref)}
    names = {c.name: c for c in MESSY_CASES if c.name.startswith("15")}
    assert set(names) <= set(written)
    assert names["15a_hn_names.xlsx"].expected == "rejected: personal data (column «Họ tên chủ hộ»)"
    assert names["15b_hn_id_number.xlsx"].expected == "rejected: personal data (row 7)"
    assert names["15c_hn_rule_broken.csv"].expected == "accepted with 3 issues"
    # A column of names after the household codes.
    _, rows = read_review(written["15a_hn_names.xlsx"], ref)
    assert rows.columns[rows.columns.index("household_code") + 1] == "Họ tên chủ hộ"
    assert rows["Họ tên chủ hộ"].str.contains(r"^\w+ \w+ \w+$").all()
    # One identification number, in the village cell of Excel row 7 (title, header, then rows).
    _, rows = read_review(written["15b_hn_id_number.xlsx"], ref)
    typed = rows.with_row_index("excel_row", offset=3).filter(
        pl.col("village").str.contains(r"^[0-9]{12}$")
    )
    assert typed["excel_row"].to_list() == [7]
    fmt = ref.households
    assert re.search(
        personal_value_pattern(fmt.id_number_pattern, fmt.phone_pattern), typed["village"][0]
    )
    assert rows["household_code"].str.contains(CODE.pattern).all()
    # Three households found not poor whose score B1 is at or below the cut-off.
    _, rows = read_review(written["15c_hn_rule_broken.csv"], ref)
    assert "income_below_line" not in rows.columns
    cutoff = pl.when(pl.col("area") == "Thành thị").then(175).otherwise(140)
    wrong = rows.filter(
        (pl.col("income_score").cast(pl.Int64) <= cutoff) != (pl.col("result") != "Không nghèo")
    )
    assert wrong.height == 3 and (wrong["result"] == "Không nghèo").all()
    assert rows["household_code"].str.contains(CODE.pattern).all()
    readme = (tmp_path / "README.txt").read_text(encoding="utf-8")
    flat = " ".join(readme.split())
    assert flat.endswith("cut-off, «Không nghèo») -> accepted with 3 issues")
    assert "-> rejected: personal data (column «Họ tên chủ hộ»)" in flat
    assert "-> rejected: personal data (row 7)" in flat
