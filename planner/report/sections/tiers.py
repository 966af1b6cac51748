"""2. Tier definitions: accounts and ARR per tier against the bands, the cut-offs and the CRM rule."""

from __future__ import annotations

from collections.abc import Mapping

from planner.report import charts
from planner.report import format as fmt
from planner.report.blocks import by_key, cut_text, figure, make_row, make_table, ratio, sentence, total_of
from planner.report.view import PlanView, records


def build(p: PlanView) -> dict:
    seg = p.seg
    bands = by_key(records(seg.bands), "tier")
    cut = {str(k): float(v) for k, v in seg.cutoffs.items()}
    changes = by_key(records(seg.cutoff_changes), "tier")
    total_arr = total_of(p.arr.get(t) for t in p.tiers)
    total_acc = int(total_of(p.accounts.get(t) for t in p.tiers))
    rows, arr_share, acc_share, band_list, defs = [], [], [], [], []
    for i, t in enumerate(p.inputs.tiers):
        b = bands.get(t.name, {})
        a_share = ratio(p.arr.get(t.name, 0.0), total_arr) or 0.0
        n_share = ratio(p.accounts.get(t.name, 0), total_acc) or 0.0
        met = bool(b.get("met", True))
        last = i == len(p.tiers) - 1
        rows.append(
            make_row(
                t.name, t.engagement, fmt.count(p.accounts.get(t.name, 0)), fmt.amount(p.arr.get(t.name)),
                fmt.percent(a_share), fmt.percent(n_share),
                _band_text(b.get("band_basis", t.band_basis), b.get("band_min", t.band_min), b.get("band_max", t.band_max)),
                "Yes" if met else "No",
                fmt.DASH if last else cut_text(cut.get(t.name)),
                flags=[False] * 7 + [not met, False],
            )
        )
        arr_share.append(a_share)
        acc_share.append(n_share)
        band_list.append((b.get("band_basis", t.band_basis), b.get("band_min", t.band_min), b.get("band_max", t.band_max)))
        text = sentence(t.description) or "No description on the Tiers sheet."
        if not last and cut.get(t.name) is not None:
            text += f" Qualifies with a score of {cut_text(cut[t.name])} or more out of 100, unless the re-tiering margin, a flag or a lock says otherwise."
            change = changes.get(t.name) or {}
            if change.get("previous_cutoff") is not None:
                if change.get("moved_by"):
                    text += " " + sentence(change.get("why") or "")
                else:
                    text += " The cut-off is the one of the last assessment, kept because every band still holds with it."
        else:
            text += " Every account that does not reach a higher tier's cut-off."
        defs.append({"name": t.name, "text": text})
    rows.append(make_row("Total", "", fmt.count(total_acc), fmt.amount(total_arr), fmt.percent(1.0 if total_arr else None),
                     fmt.percent(1.0 if total_acc else None), "", "", "", total=True))
    table = make_table(
        f"Accounts and ARR per tier against the target bands (ARR in {p.cur})",
        [("Tier", False), ("Engagement", False), ("Accounts", True), ("ARR", True), ("Share of ARR", True),
         ("Share of accounts", True), ("Target band", False), ("In band", False), ("Score cut-off", True)],
        rows,
        widths=[13, 11, 9, 13, 9, 10, 17, 7, 11],
        note=seg.band_message or "",
    )
    svg = charts.arr_and_accounts_by_tier(p.tiers, arr_share, acc_share, band_list)
    rules = seg.rule_counts()
    rule_text = "; ".join(f"{_rule_label(k)}: {fmt.count(v)}" for k, v in sorted(rules.items(), key=lambda kv: -kv[1]))
    crm = _crm_rule_text(p.tiers, cut)
    text = (
        f"Each account is scored from 0 to 100 on revenue and four pillars (growth potential, strategic value, engagement complexity, "
        f"health and maturity). The score cut-offs are set so that each tier's share of ARR, or of accounts, lands inside its target band. "
        f"{crm}"
    )
    return {
        "tiers_text": text,
        "tier_table": table,
        "tier_defs": defs,
        "placement_text": f"How the final tier was decided: {rule_text}." if rule_text else "",
        "_chart_arr_accounts": figure("fig-arr-accounts", svg, "Figure 1. Share of ARR and of accounts per tier; the shaded range is the tier's target band."),
    }


def _band_text(basis: str, lo, hi) -> str:
    if lo is None and hi is None:
        return fmt.DASH
    return f"{fmt.percent(lo, 0)}{fmt.DASH}{fmt.percent(hi, 0)} of {'ARR' if basis == 'ARR' else 'accounts'}"


def _rule_label(rule: str) -> str:
    return {
        "score cut-off": "by score",
        "kept by hysteresis": "kept in their previous tier (re-tiering margin)",
        "strategic flag": "lifted by the strategic flag",
        "churn risk: temporary higher touch": "one tier up for churn risk",
        "locked": "locked to a tier",
    }.get(rule, rule)


def _crm_rule_text(tiers: list[str], cut: Mapping) -> str:
    parts = [f"{t} from {cut_text(cut.get(t))}" for t in tiers[:-1] if cut.get(t) is not None]
    if not parts:
        return ""
    return f"The rule to put in the CRM: {', '.join(parts)}, otherwise {tiers[-1]}."
