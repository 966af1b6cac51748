"""The streamed sheet's rows are deflated in a second thread while the next rows are built (issue 17)."""

from __future__ import annotations

import threading
import zlib

import pytest

from planner.writers.streamed import write_behind


def _chunks(n: int):
    for i in range(n):
        yield f"<row r=\"{i}\">".encode() * 1000


def test_every_chunk_is_written_once_and_in_order():
    got: list[bytes] = []
    write_behind(got.append, _chunks(50))
    assert got == list(_chunks(50))


def test_a_compressor_fed_behind_gives_the_same_bytes_as_one_fed_here():
    here, behind = zlib.compressobj(1), zlib.compressobj(1)
    expected = b"".join(here.compress(c) for c in _chunks(200)) + here.flush()
    out: list[bytes] = []
    write_behind(lambda c: out.append(behind.compress(c)), _chunks(200))
    assert b"".join(out) + behind.flush() == expected


def test_a_failing_write_is_raised_here_and_stops_the_building():
    built: list[int] = []

    def chunks():
        for i in range(100):
            built.append(i)
            yield b"x"

    def write(chunk: bytes) -> None:
        if len(built) >= 3:
            raise OSError(28, "No space left on device")

    before = threading.active_count()
    with pytest.raises(OSError, match="No space left"):
        write_behind(write, chunks())
    assert len(built) < 100  # the builder stopped soon after the failure
    assert threading.active_count() == before  # and the writer thread is gone


def test_a_failing_builder_is_raised_here_after_what_it_built_was_written():
    got: list[bytes] = []

    def chunks():
        yield b"a"
        yield b"b"
        raise ValueError("row 3 cannot be built")

    before = threading.active_count()
    with pytest.raises(ValueError, match="row 3"):
        write_behind(got.append, chunks())
    assert got == [b"a", b"b"]
    assert threading.active_count() == before
