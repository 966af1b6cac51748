"""The normalised inputs of a plan and their fingerprint: pure computation, no I/O.

:func:`normalised_inputs` writes every value a plan reads as plain JSON data, sheet by sheet and row by row, under the
column keys of planner.schema, with the cell each value sits in (``PlanInputs.refs``) and where an override came from
(a scenario, the command line). plan.json carries it as ``inputs``, so two plan.json files can be compared cell by cell
and a change re-solved alone (:func:`inputs_from_normalised` rebuilds the typed inputs, accounts aside). The accounts
are not copied into it: they are summarised by their count and a digest of every value (:func:`accounts_fingerprint`),
and so is the helpdesk ticket export when the plan read one. The Operations settings and the Pilots rows are in it too:
the operating figures and the pilots' verdicts are part of every plan.

:func:`fingerprint` is a SHA-256 over a canonical serialisation of those values (JSON with sorted keys, no spaces,
numbers as Python writes the shortest exact decimal of the binary value, so the same value gives the same text on
every machine) and the accounts' digest. It leaves out what a plan does not read: the file's name and path, where
the cells sit, the as-of date (a date on a plan, not an input of it) and the Scenarios sheet's other scenarios. The
accounts are taken as a set keyed by account id: a re-sorted export gives the same fingerprint; any changed value, an
added or removed account or column, does not.
"""

from __future__ import annotations

import copy
import datetime as _dt
import hashlib
import json
import math
import weakref
from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from planner.arrays import arrow_text
from planner.inputs import SLA, CellRefs, Finance, Interval, PlanInputs, Role, ScoringRule, Service, Tier
from planner.schema import FINANCE, OPERATIONS, Channel, Clock, Direction, Pillar, Severity, TargetUnit

#: Finance settings a plan is dated by, not computed from: left out of the fingerprint.
NOT_FINGERPRINTED = frozenset({"as_of"})
#: Sheets in the order the normalised inputs list them (workbook order).
SHEETS = ("Finance", "Tiers", "Services", "Roles", "Intervals", "SLAs", "Scoring", "Operations", "Pilots")
#: Sheets of single settings (one row, keyed by nothing): every setting is compared.
SETTINGS_SHEETS = ("Finance", "Operations")

Json = Any  # plain JSON data: dict, list, str, float, int, bool, None


def plain(value: object) -> Json:
    """A typed input value as plain JSON: enum members as their text, dates as ISO text, NaN as None."""
    if value is None or (isinstance(value, (bool, str)) and not isinstance(value, Enum)):
        return value
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        v = float(value)
        return None if math.isnan(v) or math.isinf(v) else (0.0 if v == 0 else v)
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    return str(value)


def _target(s: SLA) -> tuple[float, TargetUnit]:
    unit = s.target_unit or TargetUnit.SECONDS
    return s.target_seconds / unit.seconds, unit


def _rows(inputs: PlanInputs) -> dict[str, list[tuple[tuple[str, ...], dict[str, object]]]]:
    """Every row as (key, column key -> value), under the column keys of the sheets (what a cell holds)."""
    def tier(t: Tier) -> dict[str, object]:
        return {"engagement": t.engagement, "band_basis": t.band_basis, "band_min": t.band_min, "band_max": t.band_max,
                "max_cost_share": t.max_cost_share, "description": t.description, "play": t.play}

    def role(r: Role) -> dict[str, object]:
        return {"staffing": r.staffing, "loaded_cost": r.loaded_cost, "productive_hours": r.productive_hours,
                "max_accounts": r.max_accounts}

    def service(s: Service) -> dict[str, object]:
        return {"definition": s.definition, "role": s.role, "direct_cost": s.direct_cost, "mandatory": s.mandatory,
                "impact": s.impact, "decay": s.decay, "keep_order": s.keep_order}

    def interval(i: Interval) -> dict[str, object]:
        return {"role": i.role, "hours": i.hours, "minimum": i.minimum, "negotiated": i.negotiated, "maximum": i.maximum}

    def sla(s: SLA) -> dict[str, object]:
        number, unit = _target(s)
        return {"target": number, "target_unit": unit, "tickets": s.tickets_per_account_month, "handle_minutes": s.handle_minutes,
                "service_level": s.service_level, "role": s.role, "clock": s.clock}

    def rule(r: ScoringRule) -> dict[str, object]:
        return {"weight": r.weight, "direction": Direction.HIGHER if r.direction > 0 else Direction.LOWER, "account_column": r.column}

    def pilot(p: Any) -> dict[str, object]:
        accounts = p.accounts.text if hasattr(p.accounts, "text") else list(p.accounts)
        return {"accounts": accounts, "change": p.change.kind, "description": p.change.description,
                "served_as": p.change.served_as, "extra_cost": p.change.extra_cost, "start": p.start, "end": p.end,
                "outcome": p.outcome, "sides": p.sided, "baseline": p.baseline}

    f = inputs.finance
    ops = inputs.operations
    return {
        "Finance": [((), {s.key: getattr(f, s.key) for s in FINANCE.settings})],
        "Tiers": [((t.name,), tier(t)) for t in inputs.tiers],
        "Services": [((s.name,), service(s)) for s in inputs.services],
        "Roles": [((r.name,), role(r)) for r in inputs.roles],
        "Intervals": [((i.service, i.tier), interval(i)) for i in inputs.intervals],
        "SLAs": [((s.tier, str(s.severity), str(s.channel)), sla(s)) for s in inputs.slas],
        "Scoring": [((str(r.pillar), r.header or r.column), rule(r)) for r in inputs.scoring],
        "Operations": [((), {s.key: getattr(ops, s.key) for s in OPERATIONS.settings})],
        "Pilots": [((p.name,), pilot(p)) for p in inputs.pilots],
    }


_LAST: tuple[weakref.ref, dict[str, Json]] | None = None  # the last inputs normalised (plan.json and the report ask twice)


def normalised_inputs(inputs: PlanInputs) -> dict[str, Json]:
    """The inputs as plan.json's ``inputs``: per sheet a list of rows (key, values, cells, sources), and the accounts' summary.

    The same inputs object asked again gets a copy of the first answer (inputs are not changed once read; the
    accounts' digest is what costs, 0.3 s for 100,000 accounts)."""
    global _LAST
    if _LAST is not None and _LAST[0]() is inputs:
        return copy.deepcopy(_LAST[1])
    result = _normalised_inputs(inputs)
    _LAST = (weakref.ref(inputs), copy.deepcopy(result))
    return result


def _normalised_inputs(inputs: PlanInputs) -> dict[str, Json]:
    refs: CellRefs = inputs.refs
    sources: dict[tuple[str, tuple[str, ...], str], str] = {}
    for o in inputs.overrides:
        sources[(o.sheet, tuple(o.row), o.key)] = o.source
    sheets: dict[str, Json] = {}
    for sheet, rows in _rows(inputs).items():
        out = []
        for key, values in rows:
            cells = {k: refs.get(sheet, key, k) for k in values}
            row: dict[str, Json] = {"row": list(key), "values": {k: plain(v) for k, v in values.items()},
                                    "cells": {k: v for k, v in cells.items() if v is not None}}
            mine = {k: sources[(sheet, key, k)] for k in values if (sheet, key, k) in sources}
            if mine:
                row["sources"] = mine
            out.append(row)
        sheets[sheet] = out
    result: dict[str, Json] = {
        "sheets": sheets,
        "accounts": {"count": len(inputs.accounts), "fingerprint": accounts_fingerprint(inputs.accounts)},
    }
    if inputs.tickets is not None:  # the helpdesk export the operating figures read (rows as read, in their order)
        result["tickets"] = {"count": len(inputs.tickets), "fingerprint": accounts_fingerprint(inputs.tickets, keyed=False)}
    return result


def canonical(value: Json) -> str:
    """The one text of a JSON value: keys sorted, no spaces, exact shortest numbers, no NaN."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def fingerprint_of(normalised: Mapping[str, Json]) -> str:
    """The fingerprint of normalised inputs (as :func:`normalised_inputs` makes them, or as a plan.json carries them)."""
    sheets = normalised["sheets"]
    values = {
        sheet: [[row["row"], {k: v for k, v in row["values"].items() if not (sheet == "Finance" and k in NOT_FINGERPRINTED)}]
                for row in sheets[sheet]]
        for sheet in SHEETS if sheet in sheets
    }
    payload: dict[str, Json] = {"sheets": values, "accounts": normalised["accounts"]["fingerprint"]}
    if normalised.get("tickets"):
        payload["tickets"] = normalised["tickets"]["fingerprint"]
    return hashlib.sha256(canonical(payload).encode("utf-8")).hexdigest()


def fingerprint(inputs: PlanInputs) -> str:
    """SHA-256 (hex) of every value the plan reads (see the module's docstring for what is left out and why)."""
    return fingerprint_of(normalised_inputs(inputs))


# ------------------------------------------------------------------ the accounts


def _token(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "\x00"
    if isinstance(value, str):
        return f"s{len(value)}:{value}"
    if isinstance(value, bool | np.bool_):
        return "b1" if value else "b0"
    if isinstance(value, int | float | np.integer | np.floating):
        return "f" + repr(float(value) + 0.0)
    return f"o{value!s}"


def _column_bytes(series: pd.Series) -> bytes:
    """One column's values as bytes that depend on the values only (not on the dtype the reader happened to choose).

    Text, dates and times are the :func:`_token` of each value joined by a record separator; the whole-column paths
    below give exactly those bytes without a Python call per value (a million accounts in a fraction of a second).
    """
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return b"b" + np.asarray(series.fillna(False), dtype=np.uint8).tobytes()
    if pd.api.types.is_numeric_dtype(dtype):
        a = series.to_numpy(dtype=np.float64, na_value=np.nan)
        a = np.where(np.isnan(a), np.float64("nan"), a + 0.0)  # one NaN, and -0.0 read as 0.0
        return b"f" + a.astype("<f8").tobytes()
    tokens = _text_tokens(series) if not isinstance(dtype, pd.DatetimeTZDtype | np.dtype) or dtype == object else None
    if tokens is None and pd.api.types.is_datetime64_any_dtype(dtype):
        tokens = _datetime_tokens(series)
    if tokens is not None:
        return b"t" + _joined(tokens)
    return b"t" + "\x1e".join(_token(v) for v in series.tolist()).encode("utf-8")


_SEP = "\x1e"  # the record separator between two tokens


def _joined(tokens: pa.Array) -> bytes:
    """Tokens that each end in the record separator (:func:`_text_tokens`, :func:`_datetime_tokens`) as the bytes of
    the tokens joined by it: their concatenation without the last separator."""
    if len(tokens) == 0:
        return b""
    tokens = tokens.cast(pa.large_string())
    offsets = np.frombuffer(tokens.buffers()[1], dtype=np.int64)[tokens.offset: tokens.offset + len(tokens) + 1]
    data = tokens.buffers()[2]
    return memoryview(data)[offsets[0]: offsets[-1] - 1].tobytes() if data is not None else b""


_BLANK_TYPES = {type(None), float, np.float64, type(pd.NA)}  # null to Arrow and a blank to _token (float ones are NaN here)


def _text_tokens(series: pd.Series) -> pa.Array | None:
    """``s<length>:<text>`` per value and NUL for a blank, each followed by the record separator, when every value is
    text or blank (else None)."""
    text = arrow_text(series)
    if text is None:
        values = series.to_numpy(dtype=object)
        try:
            text = pa.array(values, type=pa.string(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return None
        blank = pc.is_null(text)
        if pc.any(blank).as_py():  # from_pandas reads None, NaN and pd.NA as null: all three are _token's blank; anything else is not
            nulls = values[np.asarray(blank.to_numpy(zero_copy_only=False), dtype=bool)]
            if not set(map(type, nulls)) <= _BLANK_TYPES:
                return None
    length = pc.cast(pc.utf8_length(text), pa.string())
    tokens = pc.binary_join_element_wise("s", length, ":", text, _SEP, "")
    return pc.fill_null(tokens, "\x00" + _SEP) if tokens.null_count else tokens


def _datetime_tokens(series: pd.Series) -> pa.Array | None:
    """``o`` and the text of each Timestamp (``str(value)``: ``2025-07-01 10:48:55+00:00``, fraction only when there is
    one), ``oNaT`` for a missing one, each followed by the record separator; for naive and UTC times (else None: the
    per-value path)."""
    dtype = series.dtype
    tz = getattr(dtype, "tz", None)
    if tz is not None and str(tz) != "UTC":
        return None
    ns = series.dt.tz_localize(None) if tz is not None else series
    raw = ns.to_numpy(dtype="datetime64[ns]")
    missing = np.isnat(raw)
    ticks = raw.astype(np.int64)
    if (ticks[~missing] < 0).any():
        return None
    seconds = np.datetime_as_string(raw.astype("datetime64[s]"), unit="s")
    text = pc.replace_substring(pa.array(seconds, type=pa.string()), "T", " ", max_replacements=1)
    frac = ticks % 1_000_000_000
    micro = pc.utf8_lpad(pa.array(frac // 1000).cast(pa.string()), 6, "0")
    nano = pc.utf8_lpad(pa.array(frac).cast(pa.string()), 9, "0")
    dot = pc.if_else(pa.array(frac == 0), "", pc.if_else(pa.array(frac % 1000 == 0), pc.binary_join_element_wise(".", micro, ""),
                                                         pc.binary_join_element_wise(".", nano, "")))
    token = pc.binary_join_element_wise("o", text, dot, "+00:00" if tz is not None else "", _SEP, "")
    return pc.if_else(pa.array(missing), "oNaT" + _SEP, token)


def accounts_fingerprint(frame: pd.DataFrame, keyed: bool = True) -> str:
    """SHA-256 (hex) of a table: every column (names sorted) and every value, rows ordered by account id (``keyed``) or as given."""
    h = hashlib.sha256()
    n = len(frame)
    h.update(f"rows {n}\n".encode())
    if keyed and "account_id" in frame.columns and n:
        ids = frame["account_id"]
        ids = ids if pd.api.types.is_string_dtype(ids.dtype) and ids.notna().all() else ids.astype(str)
        in_arrow = arrow_text(ids)
        text = in_arrow if in_arrow is not None else pa.array(ids.to_numpy(dtype=object), type=pa.string())
        order = np.asarray(pc.sort_indices(text))  # stable, by code point
    else:
        order = np.arange(n)
    for name in sorted(str(c) for c in frame.columns):
        column = frame[name] if name in frame.columns else frame[next(c for c in frame.columns if str(c) == name)]
        data = _column_bytes(column.iloc[order].reset_index(drop=True))
        h.update(f"column {len(name)}:{name} {len(data)}\n".encode())
        h.update(data)
    return h.hexdigest()


# ------------------------------------------------------------------ back to typed inputs


def _get(values: Mapping[str, Json], key: str, default: Json = None) -> Json:
    return values.get(key, default)


def inputs_from_normalised(normalised: Mapping[str, Json], source: str = "") -> PlanInputs:
    """Typed inputs rebuilt from plan.json's ``inputs`` (no accounts: the optimizer plans from a plan's tier counts)."""
    sheets = normalised["sheets"]

    def rows(sheet: str) -> Iterable[tuple[list[str], Mapping[str, Json], Mapping[str, str]]]:
        for row in sheets.get(sheet, []):
            yield row["row"], row["values"], row.get("cells", {})

    refs: dict[tuple[str, tuple[str, ...], str], str] = {}

    def keep(sheet: str, key: list[str], cells: Mapping[str, str]) -> None:
        refs.update({(sheet, tuple(key), k): v for k, v in cells.items()})

    fin_values: dict[str, Json] = {}
    for key, values, cells in rows("Finance"):
        fin_values = dict(values)
        keep("Finance", key, cells)
    as_of = fin_values.get("as_of")
    fin_values["as_of"] = _dt.date.fromisoformat(as_of) if isinstance(as_of, str) else None
    finance = Finance(**{k: v for k, v in fin_values.items() if v is not None or k in ("strategic_tier", "as_of")})
    tiers: list[Tier] = []
    for key, v, cells in rows("Tiers"):
        tiers.append(Tier(name=key[0], rank=len(tiers), engagement=v["engagement"], band_basis=v["band_basis"], band_min=v["band_min"],
                          band_max=v["band_max"], max_cost_share=_get(v, "max_cost_share"), description=_get(v, "description", "") or "",
                          play=_get(v, "play", "") or ""))
        keep("Tiers", key, cells)
    roles = []
    for key, v, cells in rows("Roles"):
        roles.append(Role(name=key[0], staffing=v["staffing"], loaded_cost=v["loaded_cost"], productive_hours=v["productive_hours"],
                          max_accounts=_get(v, "max_accounts")))
        keep("Roles", key, cells)
    services = []
    for key, v, cells in rows("Services"):
        services.append(Service(name=key[0], definition=_get(v, "definition", "") or "", role=v["role"], direct_cost=v["direct_cost"],
                                mandatory=bool(v["mandatory"]), impact=v["impact"], decay=v["decay"], keep_order=bool(v["keep_order"])))
        keep("Services", key, cells)
    intervals = []
    for key, v, cells in rows("Intervals"):
        intervals.append(Interval(service=key[0], tier=key[1], role=v["role"], hours=v["hours"], minimum=v["minimum"],
                                  negotiated=v["negotiated"], maximum=v["maximum"]))
        keep("Intervals", key, cells)
    slas = []
    for key, v, cells in rows("SLAs"):
        unit = TargetUnit(v["target_unit"])
        slas.append(SLA(tier=key[0], severity=Severity(key[1]), channel=Channel(key[2]), target_seconds=float(v["target"]) * unit.seconds,
                        tickets_per_account_month=v["tickets"], handle_minutes=v["handle_minutes"], service_level=v["service_level"],
                        role=v["role"], target_unit=unit, clock=Clock(_get(v, "clock") or Clock.CALENDAR)))
        keep("SLAs", key, cells)
    scoring = []
    for key, v, cells in rows("Scoring"):
        scoring.append(ScoringRule(pillar=Pillar(key[0]), column=v.get("account_column") or key[1], weight=v["weight"],
                                   direction=Direction(v["direction"]).sign, header=key[1]))
        keep("Scoring", key, cells)
    return PlanInputs(tiers=tuple(tiers), roles=tuple(roles), services=tuple(services), intervals=tuple(intervals), slas=tuple(slas),
                      scoring=tuple(scoring), finance=finance, accounts=pd.DataFrame(), source=source, refs=CellRefs(refs))


__all__ = ["NOT_FINGERPRINTED", "SETTINGS_SHEETS", "SHEETS", "accounts_fingerprint", "canonical", "fingerprint", "fingerprint_of", "inputs_from_normalised",
           "normalised_inputs", "plain"]
