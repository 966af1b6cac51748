"""What the Zendesk and Zammad exports share: tier slugs, which SLA rows count business hours, safe file writing."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from planner.errors import Problem, UserInputError
from planner.inputs import SLA, Tier

BusinessHours = bool | Mapping[tuple[str, str], bool]
TAG_PREFIX = "tier_"


def tier_slug(name: str) -> str:
    """A tier name as a tag or option value: lower case, letters and digits joined by "_" ("Tier 1" -> "tier_1")."""
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    return slug or "tier"


def tier_tag(name: str) -> str:
    """The organization tag (and option value) that marks a tier: "tier_" + slug, without doubling "tier" ("Tier 1" -> "tier_1")."""
    slug = tier_slug(name)
    return slug if slug.startswith(TAG_PREFIX) or slug == "tier" else TAG_PREFIX + slug


def tier_tags(tiers: Sequence[Tier]) -> dict[str, str]:
    """{tier name: tag}; two tiers whose names give the same tag are a problem the user must fix."""
    tags: dict[str, str] = {}
    seen: dict[str, str] = {}
    problems = []
    for t in tiers:
        tag = tier_tag(t.name)
        if tag in seen:
            problems.append(Problem("Tiers", f'tiers "{seen[tag]}" and "{t.name}" both become the helpdesk tag "{tag}"',
                                    "rename one so that their letters and digits differ"))
        seen[tag] = t.name
        tags[t.name] = tag
    if problems:
        raise UserInputError(problems)
    return tags


def uses_business_hours(business_hours: BusinessHours, sla: SLA) -> bool:
    if isinstance(business_hours, Mapping):
        return bool(business_hours.get((sla.tier, sla.severity), False))
    return bool(business_hours)


def target_minutes(sla: SLA) -> int:
    """The first-response target in whole minutes (helpdesks count minutes): rounded up, at least 1."""
    return max(1, math.ceil(sla.target_seconds / 60.0 - 1e-9))


def write_json(path: Path, document) -> Path:
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def rounded_target_lines(slas: Sequence[SLA]) -> list[str]:
    """README lines naming the targets that whole minutes had to round up (none when every target is whole minutes)."""
    rounded = [s for s in slas if s.target_seconds % 60]
    if not rounded:
        return []
    return ["Targets shorter than a whole minute are rounded up, because the helpdesk counts minutes:"] + [
        f"- {s.tier} {s.severity} ({s.channel}): {s.target_seconds:g} seconds becomes {target_minutes(s)} minute(s)"
        for s in rounded] + [""]
