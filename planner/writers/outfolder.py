"""The output folder (``--out``): one run at a time, every file written atomically, nothing of the user's replaced.

* **One run at a time.** A lock (``.tierplan.lock``, held with ``flock`` while the files are written, so a
  killed run never leaves it held) stops a second run writing into the same folder: it is refused with a
  message saying so, and the folder holds one run's files, never a mix.
* **Atomic files.** Every file is written in the folder under a temporary name carrying the process id
  (``.tierplan-tmp-<pid>-...``), flushed to disk, then renamed over its target: a reader sees the old
  file or the new one, never half of one. Temporary files of a run that was killed are removed by the
  next run. A full disk (or any other failure to write) says so in plain words and removes the
  temporary file; the files already in the folder stay whole.
* **Contained.** A rename replaces a symbolic link itself, never what it points to, so nothing is ever
  written through a link out of the folder.
* **Only TierPlan's own files are replaced.** ``.tierplan-manifest.json`` records the name and SHA-256 of
  every file a run wrote. A later run replaces those silently; a file of that name that TierPlan did not
  write (or that was changed since) is kept under a new name (``tier_plan.kept-1.pdf``) and a warning
  says so. A link is kept the same way.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

from planner.errors import Problem, UserInputError
from planner.tempdirs import clean_stale, pid_prefix

LOCK_NAME = ".tierplan.lock"
MANIFEST_NAME = ".tierplan-manifest.json"
TEMP_PREFIX = ".tierplan-tmp-"


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError, AttributeError):  # Windows cannot open a folder
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_failed(target: Path, exc: OSError, what: str = "") -> UserInputError:
    """An OSError while writing ``target`` as one plain problem (a full disk named as such)."""
    what = what or target.name
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return UserInputError(Problem(str(target.parent), f"the disk is full: {what} could not be written; nothing "
                                      "half-written was left, the files already there are whole",
                                      "free some space on that disk (or choose another --out folder) and run again"))
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return UserInputError(Problem(str(target.parent), f"{what} could not be written: {exc.strerror or 'permission denied'}",
                                      "choose a folder you can write to with --out"))
    return UserInputError(Problem(str(target), f"could not be written: {exc.strerror or exc}", "check the disk and run again"))


class OutputFolder:
    """``with OutputFolder(out_dir, warn) as folder:`` then ``with folder.file("plan.json") as tmp: write(tmp)``."""

    def __init__(self, out_dir: Path | str, warn: Callable[[str], None] | None = None):
        self.dir = Path(out_dir)
        self.warn = warn or (lambda text: None)
        self._lock_fd: int | None = None
        self.manifest: dict[str, str] = {}
        self.kept: list[tuple[Path, Path]] = []  # (target, where the user's file now is)

    # -------------------------------------------------------------- lock, manifest
    def __enter__(self) -> OutputFolder:
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise write_failed(self.dir / ".", exc, f"the folder {self.dir}") from None
        self._lock()
        clean_stale(TEMP_PREFIX, self.dir)
        self.manifest = self._read_manifest()
        return self

    def __exit__(self, *exc) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing releases the lock
            self._lock_fd = None

    def _lock(self) -> None:
        path = self.dir / LOCK_NAME
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
        except OSError as exc:
            raise write_failed(path, exc, "the lock file") from None
        try:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # Windows
            import msvcrt

            try:
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
            except OSError:
                os.close(fd)
                raise self._busy() from None
        except OSError:
            os.close(fd)
            raise self._busy() from None
        self._lock_fd = fd

    def _busy(self) -> UserInputError:
        return UserInputError(Problem(str(self.dir), "another TierPlan run is writing its files into this folder",
                                      "wait for it to finish, or choose another --out folder"))

    def _read_manifest(self) -> dict[str, str]:
        path = self.dir / MANIFEST_NAME
        if path.is_symlink() or not path.is_file():
            return {}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            files = data.get("files", {})
            return {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {}
        except (OSError, ValueError, AttributeError):
            return {}

    def _write_manifest(self) -> None:
        text = json.dumps({"written_by": "TierPlan", "files": dict(sorted(self.manifest.items()))}, indent=2) + "\n"
        with self._temp(MANIFEST_NAME) as tmp:
            tmp.write_text(text, encoding="utf-8")

    # -------------------------------------------------------------- files
    def ours(self, name: str) -> bool:
        """Whether the file ``name`` in the folder is one TierPlan wrote and nobody changed since."""
        path = self.dir / name
        if path.is_symlink() or not path.is_file() or name not in self.manifest:
            return False
        try:
            return sha256_of(path) == self.manifest[name]
        except OSError:
            return False

    def _make_room(self, name: str, replaced: bool = True) -> None:
        target = self.dir / name
        if not os.path.lexists(target) or self.ours(name):
            return
        if target.is_dir() and not target.is_symlink():
            raise UserInputError(Problem(str(target), "is a folder where TierPlan writes a file",
                                         "move or rename that folder, or choose another --out folder"))
        stem, suffix = (name.split(".", 1) + [""])[:2]
        n = 1
        while os.path.lexists(self.dir / f"{stem}.kept-{n}.{suffix}".rstrip(".")):
            n += 1
        kept = self.dir / f"{stem}.kept-{n}.{suffix}".rstrip(".")
        os.replace(target, kept)  # a link is moved as a link: what it points to is untouched
        self.kept.append((target, kept))
        what = "a link" if kept.is_symlink() else "a file TierPlan did not write (or one changed since it did)"
        then = f"TierPlan's {name} is written in its place" if replaced else "this run writes no file of that name"
        self.warn(f"{target}: {what} was there; it is kept as {kept.name} ({then})")

    @contextlib.contextmanager
    def _temp(self, name: str) -> Iterator[Path]:
        target = self.dir / name
        tmp = self.dir / f"{pid_prefix(TEMP_PREFIX)}{secrets.token_hex(4)}-{name}"
        try:
            yield tmp
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, target)
            _fsync_dir(self.dir)
        except OSError as exc:
            self._remove_temp(tmp)
            raise write_failed(target, exc) from None
        except BaseException:
            self._remove_temp(tmp)
            raise

    def _remove_temp(self, tmp: Path) -> None:
        for leftover in self.dir.glob(tmp.name + "*"):  # a writer's own side files (name.part) too
            with contextlib.suppress(OSError):
                leftover.unlink()

    @contextlib.contextmanager
    def file(self, name: str) -> Iterator[Path]:
        """A temporary path to write ``name`` at; on leaving, it is renamed over ``name`` and recorded as TierPlan's."""
        try:
            self._make_room(name)
        except OSError as exc:
            raise write_failed(self.dir / name, exc) from None
        with self._temp(name) as tmp:
            yield tmp
        self.manifest[name] = sha256_of(self.dir / name)
        self._write_manifest()

    def remove(self, name: str) -> None:
        """Take away an older ``name`` that would not match this plan: removed if TierPlan wrote it, else kept under
        a new name (see the module docstring)."""
        if self.ours(name):
            with contextlib.suppress(OSError):
                (self.dir / name).unlink()
            self.manifest.pop(name, None)
            self._write_manifest()
        elif os.path.lexists(self.dir / name):
            try:
                self._make_room(name, replaced=False)
            except OSError as exc:
                raise write_failed(self.dir / name, exc) from None
