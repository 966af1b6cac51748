"""Steps side by side in forked processes give what they give one after the other, errors included."""

from __future__ import annotations

import gc
import os
import subprocess
import sys

import pytest

from planner import sidebyside
from planner.errors import Problem, UserInputError
from planner.sidebyside import Worker, beside

pytestmark = pytest.mark.skipif(not sidebyside.can_fork(), reason="forks only on Linux")


def _pid_and_sum(values: list[int]) -> tuple[int, int]:
    return os.getpid(), sum(values)


def _refuse(cell: str) -> None:
    raise UserInputError(Problem(cell, "is not a number", "type a number"))


def test_beside_computes_in_another_process_with_this_ones_memory():
    data = list(range(100_000))  # not sent anywhere: the child sees it by fork
    pending = beside(lambda: _pid_and_sum(data))
    pid, total = pending.result()
    assert pid != os.getpid()
    assert total == 100_000 * 99_999 // 2


def test_an_error_in_the_child_is_raised_here():
    pending = beside(lambda: _refuse("Finance!B3"))
    with pytest.raises(UserInputError) as caught:
        pending.result()
    assert "Finance!B3" in str(caught.value)


def test_a_child_that_dies_is_done_here_instead():
    here = os.getpid()

    def step() -> int:
        if os.getpid() != here:
            os._exit(9)  # the child leaves without an answer
        return 42

    assert beside(step).result() == 42


def test_worker_runs_one_call_sent_after_its_imports():
    with Worker(["json"]) as worker:
        assert worker.alive
        worker.call(_pid_and_sum, [1, 2, 3])
        pid, total = worker.result()
    assert pid != os.getpid() and total == 6
    assert not worker.alive


def test_worker_error_and_unpicklable_call():
    with Worker() as worker:
        worker.call(_refuse, "Roles!E9")
        with pytest.raises(UserInputError, match="Roles!E9"):
            worker.result()
    with Worker() as worker:  # a lambda does not pickle: the call runs here
        worker.call(lambda: os.getpid())
        assert worker.result() == os.getpid()


def test_a_worker_never_called_is_let_go():
    worker = Worker(["json"])
    pid = worker._pid
    worker.close()
    assert pid is not None
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # already reaped: no zombie left behind


def test_the_child_prints_nothing_on_stdout(capfd):
    def noisy() -> int:
        print("from the child", flush=True)
        return 1

    assert beside(noisy).result() == 1
    assert "from the child" not in capfd.readouterr().out


def test_a_result_asked_twice_is_the_first_answer_not_a_second_run(tmp_path):
    runs = tmp_path / "runs"

    def step() -> int:
        with runs.open("a") as fh:  # one line per run, in whichever process ran it
            fh.write(f"{os.getpid()}\n")
        return 7

    pending = beside(step)
    assert pending.result() == 7
    assert pending.result() == 7
    assert len(runs.read_text().split()) == 1
    failing = beside(lambda: _refuse("Tiers!C4"))
    with pytest.raises(UserInputError) as first:
        failing.result()
    with pytest.raises(UserInputError) as second:
        failing.result()
    assert first.value is second.value


def test_the_child_sees_its_parents_objects_frozen_and_the_parent_gets_them_back():
    assert gc.get_freeze_count() == 0
    frozen_in_child = beside(gc.get_freeze_count).result()
    assert frozen_in_child > 1000  # every object this test process held when it forked
    assert gc.get_freeze_count() == 0  # the parent's collector sees them again


def test_release_memory_hands_freed_blocks_back_before_a_fork():
    # in a fresh interpreter: 300,000 blocks of 1 KB (malloc, not Python's small-object arenas) are freed,
    # which leaves them resident in glibc's heap (one block allocated last keeps the heap from shrinking by itself)
    code = (
        "from planner.sidebyside import release_memory\n"
        "def rss():\n"
        "    return next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmRSS')) // 1024\n"
        "blocks = [bytes(1000) + bytes([i % 256]) for i in range(300_000)]\n"
        "keep = blocks[-1]\n"
        "full = rss(); del blocks\n"
        "freed = rss(); release_memory(); print(full, freed, rss())\n"
    )
    full, freed, released = map(int, subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                                                     text=True).stdout.split())
    assert full - freed < 100  # freeing alone gives back (almost) nothing of the ~300 MB
    assert freed - released > 250  # release_memory gives it back
