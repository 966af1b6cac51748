"""The segmentation's result sheets: Account tiers, Tier rules, Movers, Data gaps, Breakdown (declared in planner.schema)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from planner import schema
from planner.arrays import text_isin
from planner.errors import col_letter
from planner.schema import PILLARS, YesNo
from planner.segmentation import Segmentation
from planner.segmentation.scoring import pillar_key
from planner.writers.layout import Formula, ResultSheet, first_data_row

SHEET_ROW_CAP = 100_000  # rows per list sheet (Movers); the CRM file and Account tiers always hold every account
EXCEL_ROWS = 1_048_576


def excel_text(value: str) -> str:
    """A string literal for an Excel formula."""
    return '"' + str(value).replace('"', '""') + '"'


def tier_formula(score_ref: str, cutoffs: pd.Series) -> str:
    """=IF(score>=c1,"Tier 1",IF(score>=c2,"Tier 2","Tier 3")) for the given score cell."""
    names = list(cutoffs.index)
    values = list(cutoffs.to_numpy())
    text = excel_text(names[-1])
    for name, c in zip(reversed(names[:-1]), reversed(values[:-1])):
        text = f"IF({score_ref}>={c:.2f},{excel_text(name)},{text})"
    return "=" + text


def _text_values(column: pd.Series):
    """A text column's values for a new table: kept in Arrow when the reader gave them so (no Python object per
    value, there and back), else as objects."""
    from planner.arrays import is_arrow_text

    return column.array if is_arrow_text(column.dtype) else column.to_numpy(dtype=object)


def account_table(acc: pd.DataFrame) -> pd.DataFrame:
    """The Account tiers table of these accounts (``tier_by_score`` left blank: the sheet's formula, the file's value)."""
    table = pd.DataFrame(
        {
            "account_id": _text_values(acc["account_id"]),
            "name": _text_values(acc["name"]),
            "arr": acc["arr"].to_numpy(),
            "score": acc["score"].to_numpy(),
            "tier_by_score": None,
            "tier": _text_values(acc["tier"]),
            "previous_tier": _text_values(acc["previous_tier"]),
            "changed": np.where(acc["changed"].to_numpy(), YesNo.YES.value, YesNo.NO.value),
            "rule": _text_values(acc["rule"]),
            "reason": _text_values(acc["reason"]),
            "points_to_next_tier_up": acc["points_to_next_tier_up"].to_numpy(),
            "points_to_next_tier_down": acc["points_to_next_tier_down"].to_numpy(),
            "score_change": acc["score_change"].to_numpy(),
        }
    )
    for p in PILLARS:
        table[f"{pillar_key(p)}_contribution"] = acc[f"{pillar_key(p)}_contribution"].to_numpy()
    return table


def account_sheet(seg: Segmentation) -> ResultSheet:
    acc = seg.accounts
    room = EXCEL_ROWS - 4  # title, note, blank row and header above the data
    left_off = max(len(acc) - room, 0)
    if left_off:
        acc = acc.iloc[:room]
    table = account_table(acc)
    rule = tier_formula("[score]", seg.cutoffs).replace("[score]", "score")
    title = schema.ACCOUNT_TIERS.name
    note = (
            "Tier by score is a live formula on the Score cell and the cut-offs ("
            + rule
            + "); Tier is the final tier after hysteresis and the sheet's overrides (see Rule and Reason)."
            + (f" The last {left_off:,} accounts do not fit in a sheet (Excel's row limit); every account is in crm_tiers.csv."
               if left_off else "")
    )
    first = first_data_row(title, note)
    score_col = col_letter(list(table.columns).index("score"))
    template = tier_formula("\x00", seg.cutoffs)
    pieces = template.split("\x00")
    refs = (f"{score_col}{row}" for row in range(first, first + len(table)))
    table["tier_by_score"] = pd.Series(Formula.filled(pieces, refs), index=table.index, dtype=object)
    results: dict[str, Sequence[object]] = {"tier_by_score": tier_by_formula(table["score"].to_numpy(dtype=float), seg.cutoffs)}
    return ResultSheet.of(schema.ACCOUNT_TIERS, table, title, note, results=results)


ACCOUNTS_FILE = "tier_plan_accounts.parquet"


def accounts_over_sheet(seg: Segmentation) -> bool:
    """More accounts than the Account tiers sheet holds: the whole table is written as :data:`ACCOUNTS_FILE` too."""
    return len(seg.accounts) > EXCEL_ROWS - 4


def write_accounts_parquet(seg: Segmentation, path: str | Path) -> Path:
    """Every account's row of the Account tiers sheet, under the sheet's headers, Tier by score as its value (Parquet)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from planner.schema import header_label

    table = account_table(seg.accounts)
    table["tier_by_score"] = tier_by_formula(table["score"].to_numpy(dtype=float), seg.cutoffs)
    table.columns = [header_label(c) for c in table.columns]
    path = Path(path)
    pq.write_table(pa.Table.from_pandas(table, preserve_index=False), path)
    return path


def tier_by_formula(scores: np.ndarray, cutoffs: pd.Series) -> list[str]:
    """What :func:`tier_formula` gives on each score as the sheet holds it (16 significant digits; blank counts as 0),
    against the cut-offs as the formula writes them (two decimals): the formula's cached result."""
    names = [str(n) for n in cutoffs.index]
    bounds = [float(f"{c:.2f}") for c in cutoffs.to_numpy()[:-1]]
    held = np.nan_to_num(np.asarray(scores, dtype=float), nan=0.0)
    near = np.zeros(len(held), dtype=bool)
    for b in bounds:
        near |= np.abs(held - b) < 1e-9 * max(1.0, abs(b))
    if near.any():  # within rounding of a cut-off: compare the number exactly as written to the sheet
        held[near] = [float(f"{v:.16G}") for v in held[near]]
    out = np.full(len(held), names[-1], dtype=object)
    for name, b in zip(reversed(names[:-1]), reversed(bounds)):
        out = np.where(held >= b, name, out)
    return out.tolist()


def _guardrail_condition(seg: Segmentation) -> str:
    """The Tiers sheet's ARR guardrails in one sentence, or that there are none."""
    parts = []
    for t in seg.tier_defs:
        given = ([f"ARR at least {t.arr_at_least:,.0f}"] if t.arr_at_least is not None else []) + (
            [f"at least {t.arr_share_at_least:.1%} of total ARR"] if t.arr_share_at_least is not None else [])
        if given:
            parts.append(f"{' or '.join(given)}: {t.name} or higher")
    if not parts:
        return "Not applied: the Tiers sheet sets no ARR guardrail (ARR at least, Share of total ARR at least)."
    return ("After hysteresis, an account whose ARR reaches a tier's guardrail sits no lower than that tier: "
            + "; ".join(parts) + ".")


def rules_table(seg: Segmentation) -> pd.DataFrame:
    acc = seg.accounts
    rule = acc["rule"]
    rows = []
    names = list(seg.tier_names)
    changes = seg.cutoff_changes.set_index("tier") if len(seg.cutoff_changes) else None
    for k, r in enumerate(seg.bands.itertuples()):
        if k < len(names) - 1:
            condition = f"Score {r.cutoff:.2f} or more" + (f" and below {seg.cutoffs.iloc[k - 1]:.2f}" if k > 0 else "")
        else:
            condition = f"Score below {seg.cutoffs.iloc[k - 1]:.2f}" if k > 0 else "Every score"
        rows.append(
            {
                "step": 1,
                "rule": "Score cut-off",
                "tier": r.tier,
                "condition": condition,
                "cutoff": r.cutoff if k < len(names) - 1 else 0.0,
                "previous_cutoff": (float(changes["previous_cutoff"].iloc[k])
                                    if changes is not None and k < len(names) - 1 else np.nan),
                "cutoff_change": (str(changes["why"].iloc[k]) if changes is not None and k < len(names) - 1 else ""),
                "band_basis": r.band_basis,
                "band_min": r.band_min,
                "band_max": r.band_max,
                "target_share": r.target_share,
                "score_rule_share": r.score_rule_share,
                "final_share": r.share,
                "band_met": YesNo.YES if r.met else YesNo.NO,
                "accounts": int((acc["score_tier"] == r.tier).sum()),
            }
        )
    m = seg.margin
    overrides = [
        (2, "Hysteresis", f"An account with a previous tier moves up only when its score beats the new tier's cut-off by at least {m:g} "
         f"points, and moves down only when it falls more than {m:g} points below its tier's cut-off; otherwise it keeps its previous tier.",
         int((rule == "kept by hysteresis").sum())),
        (3, "ARR guardrails", _guardrail_condition(seg), int((rule == "ARR guardrail").sum())),
        (4, "Strategic flag", (f"Strategic flag Yes: placed in {seg.strategic_tier} or a higher tier." if seg.strategic_tier else
                               "Not applied: Finance 'Strategic accounts at least' is blank."), int((rule == "strategic flag").sum())),
        (5, "Churn risk flag", "Churn risk flag Yes: one tier above where it would otherwise be, until the flag is cleared "
         "(the margin does not apply while the flag is set).", int((rule == "churn risk: temporary higher touch").sum())),
        (6, "Locked tier", "Locked tier set: that tier whatever the score; the lock reason is quoted in the account's reason.",
         int(rule.str.startswith("locked").sum())),
    ]
    for step, name, condition, count in overrides:
        rows.append({"step": step, "rule": name, "tier": "", "condition": condition, "accounts": count})
    return pd.DataFrame(rows, columns=["step", "rule", "tier", "condition", "cutoff", "previous_cutoff", "cutoff_change", "band_basis",
                                       "band_min", "band_max", "target_share", "score_rule_share", "final_share", "band_met",
                                       "accounts"])


def rules_sheet(seg: Segmentation) -> ResultSheet:
    formula = tier_formula("score", seg.cutoffs)
    method = {
        "standard": "standard targets",
        "adjusted": "moved from the standard targets to meet every band",
        "previous": "the last assessment's, read from the previous tiers and scores and kept",
        "previous-moved": "the last assessment's, moved only as far as the bands needed",
    }.get(seg.cutoff_method, seg.cutoff_method)
    note = (f"Cut-offs ({method}) are set on scores so each tier's share lands in its band; hysteresis and overrides come after, "
            f"and the band columns show both. CRM rule: {formula}. {seg.band_message}")
    return ResultSheet.of(schema.TIER_RULES, rules_table(seg), "Tier rules", note)


def movers_table(seg: Segmentation) -> tuple[pd.DataFrame, int]:
    mv = seg.movers
    cols = ["account_id", "name", "arr", "previous_tier", "tier", "direction", "previous_score", "score", "score_change", "reason"]
    movers = mv[cols].copy()
    flags = seg.drift.set_index("account_id")["flag"] if len(seg.drift) else pd.Series(dtype=object)
    movers["drift_flag"] = movers["account_id"].map(flags.to_dict()).fillna("") if len(flags) else ""
    drift_only = seg.drift[~text_isin(seg.drift["account_id"], movers["account_id"])].copy()
    drift_only["direction"] = "none (drift)"
    drift_only["reason"] = seg.accounts.set_index("account_id")["reason"].reindex(drift_only["account_id"]).to_numpy() \
        if len(drift_only) and seg.accounts["account_id"].is_unique else ""
    drift_only = drift_only.rename(columns={"flag": "drift_flag"})
    table = pd.concat([movers, drift_only[cols + ["drift_flag"]]], ignore_index=True)
    left_off = max(len(table) - SHEET_ROW_CAP, 0)
    return table.iloc[:SHEET_ROW_CAP].reset_index(drop=True), left_off


def movers_sheet(seg: Segmentation) -> ResultSheet:
    table, left_off = movers_table(seg)
    up = int((seg.movers["direction"] == "up").sum())
    down = int((seg.movers["direction"] == "down").sum())
    note = (f"{up:,} accounts moved up and {down:,} down since their previous tier; then accounts whose score changed by "
            f"{seg.drift_threshold:g} points or more (drift).")
    if left_off:
        note += f" {left_off:,} rows left off this sheet; every account is in Account tiers and the CRM file."
    return ResultSheet.of(schema.MOVERS, table, "Movers and drift", note)


def gaps_sheet(seg: Segmentation) -> ResultSheet:
    table = seg.data_gaps.copy()
    for text in seg.notes:
        table.loc[len(table)] = {"item": "Note", "pillar": "", "accounts": 0, "share_of_accounts": 0.0, "examples": "", "assumed": text}
    note = "Missing values are never read as zero: each account is scored on the signals it has, and the rest is listed here."
    return ResultSheet.of(schema.DATA_GAPS, table, "Data gaps", note)


def breakdown_sheet(seg: Segmentation) -> ResultSheet:
    return ResultSheet.of(schema.BREAKDOWN, seg.breakdown, "Tiers by industry, company size, region and product",
                          "Counts and ARR of the final tiers; beyond the 20 largest values a dimension's rest is summed as Other.",
                          tier_names=seg.tier_names)


def segmentation_sheets(seg: Segmentation) -> dict[str, ResultSheet]:
    """The segmentation's result sheets (`tierplan segment`, and part of every plan)."""
    return {
        schema.ACCOUNT_TIERS.name: account_sheet(seg),
        schema.TIER_RULES.name: rules_sheet(seg),
        schema.MOVERS.name: movers_sheet(seg),
        schema.DATA_GAPS.name: gaps_sheet(seg),
        schema.BREAKDOWN.name: breakdown_sheet(seg),
    }
