"""Errors a user can cause, collected and reported as ``Sheet!Cell: what is wrong (what was expected)``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the user's input, located as precisely as we can."""

    where: str  # "Tiers!D5", "Accounts row 17", "accounts.csv row 17"
    message: str  # what is wrong
    expected: str = ""  # what would be right

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}"
        return f"{text} ({self.expected})" if self.expected else text


@dataclass(frozen=True, order=True)
class InputWarning(Problem):
    """Something in valid input that will not do what the user probably means; the run goes on (exit 0).

    Distinct from a problem (which stops the run) and from a note (an assumption stated, such as a
    blank name shown as the id): a warning says what to fix before the negotiation relies on it.
    ``kind`` names the rule (planner.validation), ``cells`` every workbook cell it concerns.
    """

    kind: str = ""
    cells: tuple[str, ...] = ()


class UserInputError(Exception):
    """Input the user owns is wrong; carries every problem found, not just the first.

    The CLI prints one line per problem and exits with code 2.
    """

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem("input", problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def col_letter(index: int) -> str:
    """0-based column index -> Excel column letters (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_ref(sheet: str, row0: int, col0: int) -> str:
    """0-based row/column -> ``Sheet!B7``."""
    return f"{sheet}!{col_letter(col0)}{row0 + 1}"
