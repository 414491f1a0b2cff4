"""`make setup`'s system check (scripts/syslibs.sh), on a machine faked by a PATH of stubs:
Pango is required, HarfBuzz's subsetter only warns, and apt-get is used when we are allowed to."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "syslibs.sh"
PANGO = ("libpango-1.0.so.0", "libpangoft2-1.0.so.0")
SUBSET = "libharfbuzz-subset.so.0"


def stub(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    path.chmod(0o755)


def machine(tmp_path: Path, libs: tuple[str, ...], *, root: bool, apt: bool) -> dict[str, str]:
    """A PATH where ldconfig lists `libs` (and what apt-get installed), id says root or not."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    installed = tmp_path / "installed"
    installed.write_text("".join(f"\t{lib} (libc6,x86-64) => /lib/{lib}\n" for lib in libs))
    stub(bin_dir, "ldconfig", f'cat "{installed}"')
    stub(bin_dir, "id", f"echo {0 if root else 1000}")
    if apt:
        # apt-get records its arguments and "installs" the three libraries.
        every = "".join(f"\\t{lib} (libc6,x86-64) => /lib/{lib}\\n" for lib in (*PANGO, SUBSET))
        stub(
            bin_dir,
            "apt-get",
            f'echo "$@" >> "{tmp_path}/apt.log"; printf "{every}" > "{installed}"',
        )
    for tool in ("grep", "cat", "printf", "sh", "bash"):
        found = next(
            (Path(d) / tool for d in ("/usr/bin", "/bin") if (Path(d) / tool).exists()), None
        )
        if found is not None and not (bin_dir / tool).exists():
            (bin_dir / tool).symlink_to(found)
    # The venv's python has ensurepip, so python3-venv is never asked for here.
    (bin_dir / "python3").symlink_to(os.path.realpath(ROOT / ".venv" / "bin" / "python"))
    return {"PATH": str(bin_dir), "HOME": str(tmp_path)}


def run(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["/bin/bash", str(SCRIPT)], env=env, capture_output=True, text=True, check=False
    )


def test_all_present_is_silent(tmp_path: Path) -> None:
    done = run(machine(tmp_path, (*PANGO, SUBSET), root=False, apt=False))
    assert (done.returncode, done.stderr) == (0, "")


def test_without_the_subsetter_setup_warns_and_goes_on(tmp_path: Path) -> None:
    done = run(machine(tmp_path, PANGO, root=False, apt=False))
    assert done.returncode == 0
    assert "warning: HarfBuzz's font subsetter is missing" in done.stderr
    assert "apt-get install -y libharfbuzz-subset0" in done.stderr


def test_without_pango_and_no_right_to_install_setup_stops_with_the_line(tmp_path: Path) -> None:
    done = run(machine(tmp_path, (SUBSET,), root=False, apt=True))
    assert done.returncode == 1
    assert "install them with: apt-get install -y libpango-1.0-0 libpangoft2-1.0-0" in done.stderr
    assert not (tmp_path / "apt.log").exists()


def test_as_root_with_apt_get_setup_installs_what_is_missing(tmp_path: Path) -> None:
    done = run(machine(tmp_path, (), root=True, apt=True))
    assert done.returncode == 0, done.stderr
    calls = (tmp_path / "apt.log").read_text().splitlines()
    assert calls[0] == "update -qq"
    assert calls[1] == "install -y -qq libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"
    assert "warning" not in done.stderr
