"""Write-back under unlucky conditions (issue 12, points 4, 8, 11): the workbook saved while the plan ran, a full disk
while the backup is made, a symlinked book, owner and mode, a killed run's temporary copies."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook
from test_writeback import NOW, make_rich_book, results

from planner import cli, pipeline
from planner.errors import UserInputError
from planner.tempdirs import pid_prefix
from planner.writers import writeback
from planner.writers.writeback import book_stamp, write_back
from planner.writers.writeback.guards import TEMP_PREFIX


@pytest.fixture()
def book(tmp_path: Path) -> Path:
    folder = tmp_path / "books"
    folder.mkdir()
    return make_rich_book(folder / "plan book.xlsm", tmp_path)


def others(folder: Path, book: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p != book)


def save_an_edit(book: Path) -> None:
    """What the user does in Excel while the plan runs: change an input and save."""
    wb = openpyxl.load_workbook(book, keep_vba=True)
    wb["Inputs"]["B2"] = 1111.0
    wb.save(book)


def test_refused_when_the_workbook_was_saved_since_it_was_read(book):
    read_as = book_stamp(book)
    save_an_edit(book)
    edited = book.read_bytes()
    with pytest.raises(UserInputError) as err:
        write_back(book, results(), now=NOW, read_as=read_as)
    assert str(err.value) == (f"{book}: the workbook was saved while the plan ran, so the result sheets would describe the "
                              "inputs before that save; the workbook was not changed (run it again)")
    assert book.read_bytes() == edited  # the user's save is kept, nothing added
    assert others(book.parent, book) == []  # no backup, no temporary copy


def test_the_cli_refuses_a_save_during_the_plan(tmp_path, capsys, monkeypatch):
    from test_broken_workbooks import clean_content

    from planner.workbook.template import write_workbook

    book = tmp_path / "book.xlsx"
    write_workbook(book, clean_content())
    real = pipeline.build_plan

    def plan_then_user_saves(*args, **kw):
        plan = real(*args, **kw)
        wb = openpyxl.load_workbook(book)
        wb["Finance"]["A1"] = "edited while the plan ran"
        wb.save(book)
        return plan

    monkeypatch.setattr(pipeline, "build_plan", plan_then_user_saves)  # the CLI imports it when the command runs
    with pytest.raises(SystemExit) as exc:
        cli.main(["plan", str(book), "--out", str(tmp_path / "out"), "--format", "json", "--write-back"])
    err = " ".join(capsys.readouterr().err.split())
    assert exc.value.code == 2
    assert "the workbook was saved while the plan ran" in err and "(run it again)" in err
    assert "Account tiers" not in CalamineWorkbook.from_path(str(book)).sheet_names


def test_full_disk_while_the_backup_is_made_leaves_the_book_and_no_partial_backup(book, monkeypatch):
    before = book.read_bytes()
    real_fsync = os.fsync

    def full(fd):
        if "backup-" in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_fsync(fd)

    monkeypatch.setattr(writeback.os, "fsync", full)
    with pytest.raises(UserInputError) as err:
        write_back(book, results(), now=NOW, read_as=book_stamp(book))
    assert str(err.value) == (f"{book}: the disk holding {book.parent} is full: the workbook was not changed and no partial "
                              "backup or copy was left (free some space on that disk and run again)")
    assert book.read_bytes() == before
    assert others(book.parent, book) == []


def test_a_symlinked_book_is_written_at_its_target_with_owner_and_mode_kept(book, tmp_path):
    os.chmod(book, 0o640)
    os.chown(book, 4321, 4321)  # the tests run as root: a book owned by someone else, shared through a link
    link = tmp_path / "link.xlsm"
    link.symlink_to(book)
    done = write_back(link, results(), now=NOW, read_as=book_stamp(link))
    assert link.is_symlink() and os.readlink(link) == str(book)
    assert "Plan" in CalamineWorkbook.from_path(str(book)).sheet_names
    st = book.stat()
    assert (st.st_mode & 0o777, st.st_uid, st.st_gid) == (0o640, 4321, 4321)
    assert done.backup.parent == book.parent and done.backup.read_bytes()[:2] == b"PK"


def test_a_killed_write_backs_temporary_copies_are_cleaned(book):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    mine = pid_prefix(TEMP_PREFIX)
    dead = book.parent / (mine.replace(f"{TEMP_PREFIX}{os.getpid()}-", f"{TEMP_PREFIX}{int(gone.stdout)}-") + "plan book-x1.xlsm")
    dead.write_bytes(b"PK half a workbook")
    done = write_back(book, results(), now=NOW)
    assert not dead.exists()
    assert others(book.parent, book) == [done.backup.name]
