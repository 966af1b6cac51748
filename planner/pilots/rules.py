"""A small rule language for "which accounts are in the pilot", on account columns.

Examples::

    Industry = "Retail" and ARR >= 50000
    Region in (EMEA, NA)
    Tier = "Tier 2" and not (Region = APAC or [Health score] < 40)

Grammar (keywords ``and``, ``or``, ``not``, ``in`` in any case)::

    rule       := or_expr
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := unary ("and" unary)*
    unary      := "not" unary | "(" or_expr ")" | condition
    condition  := column op value | column ["not"] "in" "(" value ("," value)* ")"
    column     := words | "[" any text "]"
    op         := = | == | != | <> | < | <= | > | >=
    value      := "text" | 'text' | number | words

A column is matched to the account columns ignoring case, spaces, underscores
and hyphens (``ARR`` is ``arr``, ``Account ID`` is ``account_id``); a name
holding other characters goes in brackets (``[ARR growth %]``). Numbers may use
``_`` as a separator and end in ``k``, ``m`` or ``bn`` (thousands, millions,
billions) or ``%`` (hundredths). Unquoted words next to each other are one
value (``Industry = Professional services``); a value holding a keyword or a
comma is quoted.

Meaning: text compares ignoring case and surrounding spaces; ``<``, ``<=``,
``>``, ``>=`` need a number column; a yes/no column takes yes, no, true,
false, 1 or 0. A blank value never meets a condition, not even ``!=`` or
``not in``; ``not`` turns the whole condition round, so ``not (Region =
EMEA)`` does include accounts whose region is blank.

Parsed by our own tokenizer and recursive-descent parser; nothing is ever
evaluated as Python. Mistakes raise :class:`planner.errors.UserInputError`
naming the pilot, the rule and the place in it.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
import pandas as pd

from planner.arrays import BoolArray
from planner.errors import Problem, UserInputError

OPERATORS = ("==", "!=", "<>", "<=", ">=", "=", "<", ">")
KEYWORDS = ("and", "or", "not", "in")
ORDERING = ("<", "<=", ">", ">=")
TRUE_WORDS = ("yes", "y", "true", "1")
FALSE_WORDS = ("no", "n", "false", "0")
_NUMBER = re.compile(r"^([+-]?)(\d+(?:_\d+)*(?:\.\d+)?|\.\d+)(k|m|bn|%)?$", re.IGNORECASE)
_SCALE = {"k": 1e3, "m": 1e6, "bn": 1e9, "%": 0.01}
_WORD_BREAK = set("()[],\"'=<>!") | {" ", "\t", "\n", "\r"}


@dataclass(frozen=True)
class Token:
    kind: str  # "word", "number", "string", "column", "op", "(", ")", ",", "end"
    text: str
    at: int  # character position, from 1


@dataclass(frozen=True)
class Value:
    text: str
    number: float | None  # the value read as a number, when it is written as one
    quoted: bool = False


@dataclass(frozen=True)
class Condition:
    column: str
    op: str  # one of OPERATORS, or "in" / "not in"
    values: tuple[Value, ...]
    at: int


@dataclass(frozen=True)
class Not:
    item: Expr


@dataclass(frozen=True)
class All:
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class Any_:
    items: tuple[Expr, ...]


Expr: TypeAlias = Condition | Not | All | Any_


@dataclass(frozen=True)
class AccountRule:
    """A parsed rule; :func:`select` applies it to an accounts table."""

    text: str
    expr: Expr


class _RuleError(Exception):
    def __init__(self, message: str, expected: str = ""):
        super().__init__(message)
        self.message, self.expected = message, expected


def _number(text: str) -> float | None:
    match = _NUMBER.match(text.strip())
    if not match:
        return None
    sign, digits, suffix = match.groups()
    value = float(digits.replace("_", "")) * _SCALE.get((suffix or "").lower(), 1.0)
    return -value if sign == "-" else value


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "(),":
            tokens.append(Token(ch, ch, i + 1))
            i += 1
        elif ch in "\"'":
            end = text.find(ch, i + 1)
            if end < 0:
                raise _RuleError(f"the text starting at character {i + 1} has no closing {ch}", f"close it with {ch}")
            tokens.append(Token("string", text[i + 1:end], i + 1))
            i = end + 1
        elif ch == "[":
            end = text.find("]", i + 1)
            if end < 0 or not text[i + 1:end].strip():
                raise _RuleError(f"the column name in brackets at character {i + 1} is not closed or is empty",
                                 "write [column name]")
            tokens.append(Token("column", text[i + 1:end].strip(), i + 1))
            i = end + 1
        elif ch in "=<>!":
            op = next((o for o in OPERATORS if text.startswith(o, i)), None)
            if op is None:
                raise _RuleError(f"'{ch}' at character {i + 1} is not an operator", "one of " + " ".join(OPERATORS))
            tokens.append(Token("op", op, i + 1))
            i += len(op)
        elif ch == "]":
            raise _RuleError(f"']' at character {i + 1} has no opening '['")
        else:
            start = i
            while i < n and text[i] not in _WORD_BREAK:
                i += 1
            word = text[start:i]
            tokens.append(Token("number" if _number(word) is not None else "word", word, start + 1))
    tokens.append(Token("end", "", n + 1))
    return tokens


def _is_keyword(token: Token, *words: str) -> bool:
    return token.kind == "word" and token.text.lower() in words


class _Parser:
    def __init__(self, text: str):
        self.tokens = tokenize(text)
        self.i = 0

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def take(self) -> Token:
        token = self.peek()
        self.i += 1
        return token

    def where(self, token: Token) -> str:
        return "the end of the rule" if token.kind == "end" else f"'{token.text}' (character {token.at})"

    def parse(self) -> Expr:
        if self.peek().kind == "end":
            raise _RuleError("the rule is empty", 'a condition such as Region = "EMEA"')
        expr = self.or_expr()
        if self.peek().kind == ",":
            raise _RuleError(f"a comma outside a list at character {self.peek().at}",
                             "numbers without thousands separators (50000 or 50k); lists as in (a, b)")
        if self.peek().kind != "end":
            raise _RuleError(f"unexpected {self.where(self.peek())}", "and, or, or the end of the rule")
        return expr

    def or_expr(self) -> Expr:
        items = [self.and_expr()]
        while _is_keyword(self.peek(), "or"):
            self.take()
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else Any_(tuple(items))

    def and_expr(self) -> Expr:
        items = [self.unary()]
        while _is_keyword(self.peek(), "and"):
            self.take()
            items.append(self.unary())
        return items[0] if len(items) == 1 else All(tuple(items))

    def unary(self) -> Expr:
        token = self.peek()
        if _is_keyword(token, "not"):
            self.take()
            return Not(self.unary())
        if token.kind == "(":
            self.take()
            expr = self.or_expr()
            if self.peek().kind != ")":
                raise _RuleError(f"the '(' at character {token.at} is not closed; found {self.where(self.peek())}",
                                 "a matching ')'")
            self.take()
            return expr
        return self.condition()

    def column(self) -> tuple[str, int]:
        token = self.peek()
        if token.kind == "column":
            self.take()
            return token.text, token.at
        words = []
        while self.peek().kind in ("word", "number") and not _is_keyword(self.peek(), *KEYWORDS):
            words.append(self.take().text)
        if not words:
            raise _RuleError(f"expected a column name at {self.where(token)}",
                             "a column such as Region or [ARR growth %]")
        return " ".join(words), token.at

    def value(self) -> Value:
        token = self.peek()
        if token.kind == "string":
            self.take()
            return Value(token.text, _number(token.text), quoted=True)
        words = []
        while self.peek().kind in ("word", "number") and not _is_keyword(self.peek(), *KEYWORDS):
            words.append(self.take().text)
        if not words:
            raise _RuleError(f"expected a value at {self.where(token)}", 'a number, a word or "quoted text"')
        text = " ".join(words)
        return Value(text, _number(text) if len(words) == 1 else None)

    def condition(self) -> Condition:
        name, at = self.column()
        token = self.peek()
        if token.kind == "op":
            self.take()
            return Condition(name, token.text, (self.value(),), at)
        negate = False
        if _is_keyword(token, "not") and _is_keyword(self.peek(1), "in"):
            self.take()
            negate = True
        if _is_keyword(self.peek(), "in"):
            self.take()
            if self.peek().kind != "(":
                raise _RuleError(f"expected '(' after 'in' at {self.where(self.peek())}", "in (value, value, ...)")
            self.take()
            values = [self.value()]
            while self.peek().kind == ",":
                self.take()
                values.append(self.value())
            if self.peek().kind != ")":
                raise _RuleError(f"expected ',' or ')' in the list at {self.where(self.peek())}",
                                 "in (value, value, ...)")
            self.take()
            return Condition(name, "not in" if negate else "in", tuple(values), at)
        raise _RuleError(f"expected an operator after the column '{name}' at {self.where(token)}",
                         "=, !=, <, <=, >, >=, in (...) or not in (...)")


def _problem(pilot: str, where: str, rule: str, error: _RuleError) -> UserInputError:
    return UserInputError(Problem(where or f"Pilots: {pilot}", f"pilot '{pilot}': rule {rule!r}: {error.message}",
                                  error.expected))


def parse_rule(text: str, *, pilot: str, where: str = "") -> AccountRule:
    """Parse ``text``; a mistake raises UserInputError naming the pilot (``where``: e.g. "Pilots!C4")."""
    try:
        return AccountRule(text=text, expr=_Parser(text or "").parse())
    except _RuleError as error:
        raise _problem(pilot, where, text, error) from None


# ------------------------------------------------------------- evaluation
def normalise(name: str) -> str:
    """How column names are compared: case, spaces, underscores and hyphens do not matter."""
    return " ".join(re.sub(r"[_\-]+", " ", str(name)).casefold().split())


def _resolve(column: str, frame: pd.DataFrame) -> str:
    wanted = normalise(column)
    found = [c for c in frame.columns if normalise(c) == wanted]
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        exact = [c for c in found if str(c) == column]
        if len(exact) == 1:
            return exact[0]
        raise _RuleError(f"the column '{column}' matches several account columns ({', '.join(map(str, found))})",
                         "write the column exactly as in the accounts table")
    names = [str(c) for c in frame.columns]
    close = difflib.get_close_matches(column, names, n=1, cutoff=0.6) or difflib.get_close_matches(
        wanted, [normalise(c) for c in names], n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'?" if close else "a column of the accounts table: " + ", ".join(names[:12])
    raise _RuleError(f"the accounts have no column '{column}'", hint)


def _kind(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "bool"
    if pd.api.types.is_numeric_dtype(series):
        return "number"
    values = series.dropna()
    if len(values) and values.map(lambda v: isinstance(v, (bool, np.bool_))).all():
        return "bool"
    return "text"


def _as_bool(value: Value, column: str) -> bool:
    word = value.text.strip().casefold()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise _RuleError(f"the column '{column}' holds yes/no values; '{value.text}' is not one", "yes or no")


def _condition_mask(cond: Condition, frame: pd.DataFrame) -> np.ndarray:
    name = _resolve(cond.column, frame)
    series = frame[name]
    present = series.notna().to_numpy()
    kind = _kind(series)
    if cond.op in ORDERING and kind != "number":
        holds = "yes/no values" if kind == "bool" else "text"
        raise _RuleError(f"'{cond.op}' needs a number column, and '{name}' holds {holds}",
                         "= or != for text, or a number column")
    if kind == "number":
        numbers = []
        for v in cond.values:
            if v.number is None:
                raise _RuleError(f"the column '{name}' holds numbers; '{v.text}' is not a number",
                                 "a number such as 50000 or 50k")
            numbers.append(v.number)
        data = series.to_numpy(dtype=float, na_value=np.nan)
        targets = np.array(numbers)
    elif kind == "bool":
        if cond.op in ("in", "not in"):
            targets = np.array([_as_bool(v, name) for v in cond.values])
        else:
            targets = np.array([_as_bool(cond.values[0], name)])
        data = series.map(lambda v: bool(v) if pd.notna(v) else False).to_numpy()
    else:
        data = series.map(lambda v: str(v).strip().casefold() if pd.notna(v) else "").to_numpy(dtype=object)
        targets = np.array([v.text.strip().casefold() for v in cond.values], dtype=object)
    op = cond.op
    with np.errstate(invalid="ignore"):
        if op in ("=", "=="):
            hit = data == targets[0]
        elif op in ("!=", "<>"):
            hit = data != targets[0]
        elif op == "<":
            hit = data < targets[0]
        elif op == "<=":
            hit = data <= targets[0]
        elif op == ">":
            hit = data > targets[0]
        elif op == ">=":
            hit = data >= targets[0]
        elif op == "in":
            hit = np.isin(data, targets)
        else:  # not in
            hit = ~np.isin(data, targets)
    return np.asarray(hit, dtype=bool) & present


def _mask(expr: Expr, frame: pd.DataFrame) -> BoolArray:
    if isinstance(expr, Condition):
        return _condition_mask(expr, frame)
    if isinstance(expr, Not):
        return ~_mask(expr.item, frame)
    masks = [_mask(item, frame) for item in expr.items]
    combined: BoolArray = np.logical_and.reduce(masks) if isinstance(expr, All) else np.logical_or.reduce(masks)
    return combined


def select(rule: AccountRule, frame: pd.DataFrame, *, pilot: str, where: str = "") -> np.ndarray:
    """Boolean mask over ``frame``'s rows meeting the rule; a column or value that does not fit: UserInputError."""
    try:
        return _mask(rule.expr, frame)
    except _RuleError as error:
        raise _problem(pilot, where, rule.text, error) from None
