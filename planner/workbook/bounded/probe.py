"""Workbooks in other formats (.xls, .xlsb, .ods): their sheets' extent measured by a memory-capped child process.

calamine reads these whole; a cell far from the table would make the grid huge, so a child whose
address space is capped measures each input sheet first, and TierPlan refuses the file when the
child dies or reports a sheet above CELL_LIMIT cells.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from planner.workbook.bounded.limits import CELL_LIMIT, MiB, refuse

_PROBE = r"""
import json, sys
import python_calamine as c
wb = c.CalamineWorkbook.from_path(sys.argv[1])
wanted = set(json.loads(sys.argv[2]))
for name in wb.sheet_names:
    if name.strip().lower() in wanted:
        print(json.dumps(["start", name]), flush=True)
        e = wb.get_sheet_by_name(name).end
        print(json.dumps(["end", name, e[0] + 1 if e else 0, e[1] + 1 if e else 0]), flush=True)
"""
PROBE_MEMORY = CELL_LIMIT * 80 + 512 * MiB  # address space of the child that measures the sheets


def probe_extent(book: Path, wanted: Iterable[str]) -> None:
    """Refuse a workbook in another format (.xls, .xlsb, .ods) whose input sheets calamine would make too large:
    their extent is measured by a child process whose memory is capped, so a far cell kills the child, not TierPlan.
    (Where the platform cannot cap a process's memory, nothing is measured.)"""
    import json
    import subprocess
    import sys

    try:
        import resource
    except ImportError:  # Windows
        return

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (PROBE_MEMORY, PROBE_MEMORY))

    where = str(book)
    names = sorted(n.lower() for n in wanted)
    try:
        done = subprocess.run([sys.executable, "-c", _PROBE, str(book), json.dumps(names)], capture_output=True, text=True,
                              timeout=900, preexec_fn=cap)
    except (OSError, subprocess.SubprocessError):
        return
    started, ended = None, {}
    for line in done.stdout.splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if item[0] == "start":
            started = item[1]
        elif item[0] == "end":
            ended[item[1]] = (item[2], item[3])
            started = None
    fix = "save the workbook as .xlsx, where TierPlan reads only the columns of the tables, and delete the cells far from them"
    if done.returncode != 0 and (started is not None or done.returncode < 0 or "memory allocation" in done.stderr):
        what = f"the {started} sheet" if started else "the workbook"
        raise refuse(where, f"{what} spans more cells than TierPlan reads from one sheet ({CELL_LIMIT:,} cells): "
                            "a cell far from the table makes it that large", fix)
    for name, (rows, cols) in ended.items():
        if rows * cols > CELL_LIMIT:
            raise refuse(where, f"the {name} sheet spans {rows:,} rows x {cols:,} columns ({rows * cols:,} cells), "
                                f"more than TierPlan reads from one sheet ({CELL_LIMIT:,} cells)", fix)
