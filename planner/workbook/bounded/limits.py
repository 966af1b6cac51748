"""What a workbook package may hold before it is refused, and how a refusal reads.

The limits per part, for the whole package, per element and per sheet (see the package
docstring for why each exists), :func:`size_text` for the sizes in messages and :func:`refuse`,
which makes the UserInputError naming the file.
"""

from __future__ import annotations

from planner.errors import Problem, UserInputError

KiB, MiB, GiB = 1 << 10, 1 << 20, 1 << 30

PART_LIMIT = 2 * GiB  # uncompressed bytes of one part (a 1,048,576-row Accounts sheet of 40 columns is about 1.5 GiB)
TOTAL_LIMIT = 4 * GiB  # all parts together
RATIO_LIMIT = 200  # uncompressed / compressed of a part larger than RATIO_FLOOR (sheets Excel saves: 5 to 30)
RATIO_FLOOR = 16 * MiB  # smaller parts may expand at any ratio: they cannot hurt
STRINGS_LIMIT = 512 * MiB  # the shared strings, which calamine holds whole
SMALL_PART_LIMIT = 64 * MiB  # workbook.xml, styles.xml, relationships, content types
ELEMENT_LIMIT = 64 * MiB  # XML of one row or one shared string
ENTRY_LIMIT = 20_000  # parts in one package (a workbook has tens to a few hundred)
CELL_LIMIT = 16_000_000  # rows x columns of one sheet handed to calamine (about 2 GB of memory at the most)
ERROR_CELL_LIMIT = 1_000_000  # cells showing an error value (#N/A...) on one sheet
BESIDE = 4  # columns read right of a table's header: notes typed beside it are warned about, far cells never read
HEADER_GAP = 26  # empty header cells after which an Accounts header cell no longer widens the table
FALLBACK_COLUMNS = 64  # columns read from a sheet whose header is not found (the reader then says so)
EXCEL_ROWS = 1_048_576
EXCEL_COLUMNS = 16_384
CHUNK = 4 * MiB

_FIX = "open the workbook in Excel and save it again; if that does not help, remove what fills that part"


def size_text(n: float) -> str:
    """Bytes as a person reads them: 6.0 GiB, 6.5 MiB, 812 KiB."""
    for unit, scale in (("GiB", GiB), ("MiB", MiB), ("KiB", KiB)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{int(n)} bytes"


def refuse(where: str, message: str, expected: str = _FIX) -> UserInputError:
    return UserInputError(Problem(where, message, expected))
