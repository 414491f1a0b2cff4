"""The command line's own contract: global options on either side, one help line a command."""

from __future__ import annotations

import contextlib
import io

import pytest

from ntm import cli


@pytest.mark.parametrize("before", [True, False], ids=["before", "after"])
def test_data_dir_goes_before_or_after_the_command(tmp_path, before):
    data_dir = tmp_path / "elsewhere"
    option = ["--data-dir", str(data_dir)]
    argv = [*option, "summary"] if before else ["summary", *option]
    assert cli.main(argv) == cli.EXIT_OK
    assert (data_dir / "warehouse" / "ntm.duckdb").exists()


def test_after_the_command_wins_over_before(tmp_path):
    args = cli.build_parser().parse_args(
        ["--data-dir", str(tmp_path / "a"), "summary", "--data-dir", str(tmp_path / "b")]
    )
    assert args.data_dir == str(tmp_path / "b")
    assert cli.build_parser().parse_args(["summary"]).data_dir is None


def test_help_lists_every_command_on_one_line(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        cli.main(["--help"])
    lines = [*out.getvalue().splitlines(), ""]
    subparsers = next(a for a in cli.build_parser()._actions if a.dest == "command")
    for name in subparsers.choices:  # type: ignore[union-attr]
        described = [line for line in lines if line.split()[:1] == [name]]
        assert len(described) == 1, name
        assert len(described[0].split()) > 2, f"{name} has no one-line description"
        following = lines[lines.index(described[0]) + 1]
        assert not following.startswith(" " * 20), f"the description of {name} wrapped"
