"""Temporary files and folders of TierPlan's own, named so that ones left by a killed run can be found and removed.

A name carries the id of the process that made it and a short mark of the machine
(``tierplan-solve-<pid>-<host>-...``). :func:`clean_stale` removes the ones of this machine whose
process is gone, so a run killed with ``kill -9`` (a solve, a read that needed a cut copy of a
sheet) leaves nothing behind once the next run starts. A name from another machine sharing the
folder, or without a process id (an older TierPlan), is removed when it is more than a day old.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
import tempfile
import time
from pathlib import Path

_OLD = 24 * 3600


def _host() -> str:
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:6]


def pid_prefix(prefix: str) -> str:
    """``prefix`` with this process's id and this machine's mark, for tempfile.mkstemp/mkdtemp."""
    return f"{prefix}{os.getpid()}-{_host()}-"


def alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine."""
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    except OSError:
        return False
    return True


def clean_stale(prefix: str, folder: Path | None = None) -> list[Path]:
    """Remove the files and folders named ``prefix<pid>-...`` (in the system's temporary folder unless ``folder`` is
    given) whose process is gone; returns what was removed. Never raises."""
    folder = Path(folder or tempfile.gettempdir())
    removed: list[Path] = []
    pattern = re.compile(re.escape(prefix) + r"(\d+)-([0-9a-f]{6})-")
    host = _host()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        if not entry.name.startswith(prefix):
            continue
        m = pattern.match(entry.name)
        try:
            if m and m.group(2) == host:
                if alive(int(m.group(1))):
                    continue
            elif now - entry.stat(follow_symlinks=False).st_mtime < _OLD:
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                os.unlink(entry.path)
            removed.append(Path(entry.path))
        except OSError:
            continue
    return removed
