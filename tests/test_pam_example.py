"""The example's committed PAMs (examples/nordwind/pam/2027-10, written by `make demo`) are what salesplan writes today."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "nordwind"
COMMITTED = EXAMPLE / "pam" / "2027-10"


def test_committed_pams_are_up_to_date(run_cli, tmp_path):
    result = run_cli("pam", "-w", EXAMPLE, "--as-of", "2027-10-15", "--month", "2027-10", "--out", tmp_path)
    assert result.code == 0, result.err
    written = sorted(p.name for p in (tmp_path / "2027-10").iterdir())
    committed = sorted(p.name for p in COMMITTED.iterdir())
    assert written == committed
    stale = [name for name in written if (tmp_path / "2027-10" / name).read_bytes() != (COMMITTED / name).read_bytes()]
    assert not stale, f"regenerate with `make demo` (or salesplan pam -w examples/nordwind --as-of 2027-10-15 --month 2027-10): {stale}"


def test_make_demo_leaves_the_committed_pams_unchanged(run_cli, tmp_path):
    """What `make demo` prints on a fresh clone: every file unchanged, exit 0."""
    import shutil

    copy = tmp_path / "nordwind"
    shutil.copytree(EXAMPLE, copy)
    result = run_cli("pam", "-w", copy, "--as-of", "2027-10-15", "--month", "2027-10")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines and all(line.startswith("unchanged ") for line in lines), result.out
