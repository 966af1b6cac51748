"""Reading the previous plan's plan.json for the quarterly review (bounded, with messages naming the file)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from planner.errors import Problem, UserInputError

MAX_BYTES = 50 * 1024 * 1024  # a plan.json of ten million accounts stays far below this: it holds no per-account rows
NEEDED = ("summary", "segmentation", "optimization")


def read_previous_plan(path: Path | str, schema_version: int) -> dict[str, Any]:
    """The previous plan as plan.json holds it; UserInputError when the file is not a TierPlan plan.json."""
    path = Path(path)

    def refuse(message: str, expected: str = "the plan.json an earlier `tierplan plan` wrote") -> UserInputError:
        return UserInputError(Problem(str(path), message, expected))

    if not path.exists():
        raise refuse("previous plan not found")
    if path.is_dir():
        raise refuse("is a folder, not a plan.json", f"{path / 'plan.json'} if the earlier plan was written there")
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".pdf", ".html"):
        raise refuse(f"is a {path.suffix.lower()[1:].upper()} file, not a plan.json")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise refuse(f"is {size / 1024 / 1024:,.0f} MB; a plan.json is far smaller (the limit is {MAX_BYTES // 1024 // 1024} MB)")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise refuse(f"is not UTF-8 text (byte {exc.start + 1} cannot be read)") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise refuse(f"is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    except RecursionError:
        raise refuse("is not valid JSON: nested too deeply") from None
    if not isinstance(doc, dict) or "schema_version" not in doc:
        raise refuse("is JSON but not a TierPlan plan.json (it has no schema_version)")
    if doc["schema_version"] != schema_version:
        raise refuse(f"was written with plan.json schema {doc['schema_version']!r}; this TierPlan reads schema {schema_version}",
                     "a plan.json from this version of TierPlan (run the earlier workbook again to make one)")
    missing = [k for k in NEEDED if not isinstance(doc.get(k), dict)]
    if missing:
        raise refuse(f"has no {', '.join(missing)} part (was it written by `tierplan segment`, or edited?)")
    return doc
