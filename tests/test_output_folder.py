"""The output folder (issue 12, points 4, 6, 7): atomic, contained writes; the user's files kept; one run at a time;
a full disk said plainly with nothing half-written; stale temporary files cleaned."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_broken_workbooks import clean_content  # four accounts: a plan in a few seconds

from planner import cli
from planner.errors import UserInputError
from planner.tempdirs import pid_prefix
from planner.workbook.template import write_workbook
from planner.writers import outfolder
from planner.writers.outfolder import MANIFEST_NAME, TEMP_PREFIX, OutputFolder, sha256_of


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    path = tmp_path_factory.mktemp("book") / "book.xlsx"
    write_workbook(path, clean_content())
    return path


def plan(book: Path, out: Path, capsys, formats: str = "json,csv,html") -> tuple[int, str]:
    with pytest.raises(SystemExit) as exc:
        cli.main(["plan", str(book), "--out", str(out), "--format", formats])
    return exc.value.code, capsys.readouterr().err


def visible(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


def test_users_files_are_kept_and_links_are_not_followed(book, tmp_path, capsys):
    out, elsewhere = tmp_path / "reports", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "tier_plan.html").write_text("my own notes")
    (elsewhere / "plan.json").write_text('{"mine": 1}')
    (out / "plan.json").symlink_to(elsewhere / "plan.json")
    rc, err = plan(book, out, capsys)
    assert rc in (0, 3), err
    assert (elsewhere / "plan.json").read_text() == '{"mine": 1}'  # nothing written through the link
    assert (out / "plan.kept-1.json").is_symlink() and os.readlink(out / "plan.kept-1.json") == str(elsewhere / "plan.json")
    assert (out / "tier_plan.kept-1.html").read_text() == "my own notes"
    assert not (out / "plan.json").is_symlink() and json.loads((out / "plan.json").read_text())["summary"]["accounts"] == 4
    assert f"{out / 'tier_plan.html'}: a file TierPlan did not write (or one changed since it did) was there; it is kept as " \
           "tier_plan.kept-1.html (TierPlan's tier_plan.html is written in its place)" in " ".join(err.split())
    manifest = json.loads((out / MANIFEST_NAME).read_text())["files"]
    assert set(manifest) == {"plan.json", "crm_tiers.csv", "tier_plan.html"}
    assert manifest["plan.json"] == sha256_of(out / "plan.json")
    # a second run replaces its own files without a word and keeps nothing more
    rc, err = plan(book, out, capsys)
    assert "kept" not in err
    assert visible(out) == ["crm_tiers.csv", "plan.json", "plan.kept-1.json", "tier_plan.html", "tier_plan.kept-1.html"]
    # a file of ours the user edited since is theirs now: kept, not replaced
    (out / "crm_tiers.csv").write_text("edited by hand")
    rc, err = plan(book, out, capsys)
    assert (out / "crm_tiers.kept-1.csv").read_text() == "edited by hand"


def test_full_disk_says_so_and_leaves_nothing_half_written(book, tmp_path, capsys, monkeypatch):
    out = tmp_path / "reports"
    rc, _ = plan(book, out, capsys)
    before = {name: (out / name).read_bytes() for name in visible(out)}
    real_fsync = os.fsync

    def full(fd):  # the disk fills while the CRM file is flushed: where delayed allocation reports ENOSPC
        if "crm_tiers.csv" in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_fsync(fd)

    monkeypatch.setattr(outfolder.os, "fsync", full)
    rc, err = plan(book, out, capsys)
    assert rc == 2
    assert " ".join(err.split()) == (f"{out}: the disk is full: crm_tiers.csv could not be written; nothing half-written was "
                                     "left, the files already there are whole (free some space on that disk (or choose another "
                                     "--out folder) and run again)")
    assert "Traceback" not in err
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(TEMP_PREFIX)) == []
    assert (out / "crm_tiers.csv").read_bytes() == before["crm_tiers.csv"]  # the last complete file, whole
    assert not list(out.glob("*.part"))


def test_full_disk_inside_a_writer_removes_its_part_file(book, tmp_path, capsys, monkeypatch):
    import pyarrow.csv as pacsv

    out = tmp_path / "reports"
    real = pacsv.write_csv

    def half(table, sink, write_options=None):  # half the rows reach the disk, then it is full
        real(table.slice(0, table.num_rows // 2), sink, write_options=write_options)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(pacsv, "write_csv", half)
    rc, err = plan(book, out, capsys, "csv")
    assert rc == 2 and "the disk is full: crm_tiers.csv could not be written" in " ".join(err.split())
    assert visible(out) == []  # no crm_tiers.csv, no crm_tiers.csv.part
    assert [p.name for p in out.iterdir() if p.name.startswith(TEMP_PREFIX)] == []


def test_a_second_run_into_the_same_folder_is_refused(book, tmp_path, capsys):
    out = tmp_path / "reports"
    with OutputFolder(out):  # another run holds the folder
        rc, err = plan(book, out, capsys)
    assert rc == 2
    assert " ".join(err.split()) == (f"{out}: another TierPlan run is writing its files into this folder "
                                     "(wait for it to finish, or choose another --out folder)")
    assert visible(out) == []
    rc, err = plan(book, out, capsys)  # released: the next run writes
    assert rc in (0, 3) and visible(out) == ["crm_tiers.csv", "plan.json", "tier_plan.html"]


def test_a_killed_runs_temporary_files_are_cleaned(tmp_path):
    out = tmp_path / "reports"
    out.mkdir()
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(gone.stdout)
    mine = pid_prefix(TEMP_PREFIX)
    dead = out / (mine.replace(f"{TEMP_PREFIX}{os.getpid()}-", f"{TEMP_PREFIX}{dead_pid}-") + "ab12cd34-plan.json")
    dead.write_text("half")
    alive = out / f"{mine}ef56ab78-plan.json"  # this process's: still being written
    alive.write_text("busy")
    with OutputFolder(out):
        pass
    assert not dead.exists() and alive.exists()


def test_a_folder_where_a_file_belongs_is_refused(tmp_path):
    out = tmp_path / "reports"
    (out / "plan.json").mkdir(parents=True)
    with OutputFolder(out) as folder, pytest.raises(UserInputError) as err, folder.file("plan.json") as tmp:
        tmp.write_text("{}")
    assert str(err.value) == f"{out / 'plan.json'}: is a folder where TierPlan writes a file (move or rename that folder, or choose another --out folder)"
