"""Catching what solver libraries print, at the file-descriptor level.

highspy 1.16 writes a banner on stdout whenever a model object is made,
whatever ``msg`` says, and the cbc binary inherits the terminal. Every solve
therefore runs with file descriptors 1 and 2 pointed at a temporary file
(:func:`captured_output`); planner/optimization/engines.py keeps what was
printed on the outcome only when the solve failed, so it can be shown as a note.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress


class Captured:
    """What was written to file descriptors 1 and 2 inside :func:`captured_output`."""

    text: str = ""


@contextmanager
def captured_output() -> Iterator[Captured]:
    """Point file descriptors 1 and 2 at a temporary file for the duration; restore them after.

    Works at the descriptor level, so output from native code (HiGHS) and from
    child processes (the cbc binary) is caught too, not only Python's
    ``print``. The text is available on the yielded object after the block.
    """
    captured = Captured()
    for stream in (sys.stdout, sys.stderr):
        with suppress(AttributeError, ValueError, OSError):
            stream.flush()
    saved: list[tuple[int, int]] = []
    with tempfile.TemporaryFile() as sink:
        try:
            for fd in (1, 2):
                try:
                    saved.append((fd, os.dup(fd)))
                except OSError:
                    continue  # no such descriptor (a service without a console): nothing to silence
                os.dup2(sink.fileno(), fd)
            yield captured
        finally:
            for stream in (sys.stdout, sys.stderr):
                with suppress(AttributeError, ValueError, OSError):
                    stream.flush()
            for fd, copy in saved:
                os.dup2(copy, fd)
                os.close(copy)
            sink.seek(0)
            captured.text = sink.read(1 << 20).decode("utf-8", errors="replace")
