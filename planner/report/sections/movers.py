"""8. Tier movers and drift since the last assessment."""

from __future__ import annotations

import pandas as pd

from planner.report import charts
from planner.report import format as fmt
from planner.report.blocks import cut_text, figure, make_row, make_table, plural
from planner.report.view import PlanView, records

MOVERS_SHOWN = 10  # per direction
DRIFT_SHOWN = 15


def build(p: PlanView) -> dict:
    cur, seg = p.cur, p.seg
    mv = seg.movers
    up, down = int((mv["direction"] == "up").sum()), int((mv["direction"] == "down").sum())
    acc = seg.accounts
    new = int(acc["previous_tier"].isna().sum())
    previous = acc["previous_tier"].astype(object)
    previous = previous.where(previous.isin(p.tiers), None)
    sizes = pd.DataFrame({"prev": previous, "tier": acc["tier"].astype(str)}).groupby(["prev", "tier"], dropna=False, sort=False).size()
    counts = {(prev if isinstance(prev, str) else None, str(tier)): int(n)
              for prev, tier, n in zip(sizes.index.get_level_values("prev"), sizes.index.get_level_values("tier"), sizes)}
    mrows = [make_row(f"From {t}", *[fmt.count(counts.get((t, u), 0)) for u in p.tiers]) for t in p.tiers]
    mrows.append(make_row("New or unknown before", *[fmt.count(counts.get((None, u), 0)) for u in p.tiers]))
    movement = make_table(
        "Accounts by previous tier (rows) and new tier (columns); the diagonal stayed put",
        [("Previous tier", False)] + [(f"To {t}", True) for t in p.tiers],
        mrows,
        widths=[28] + [round(72 / len(p.tiers), 2)] * len(p.tiers),
    )
    mover_cols = [("Account", False), ("ID", False), ("ARR", True), ("From", False), ("To", False), ("Score", True), ("Why", False)]
    mover_widths = [17, 11, 10, 8, 8, 7, 39]

    def mover_rows(direction: str) -> list[dict]:
        shown = records(mv[mv["direction"] == direction].head(MOVERS_SHOWN))
        return [make_row(m.get("name"), m.get("account_id"), fmt.amount(m.get("arr")), m.get("previous_tier") or "new", m.get("tier"),
                         cut_text(m.get("score")), m.get("reason")) for m in shown]

    up_table = make_table(f"Largest moves up, by ARR ({min(up, MOVERS_SHOWN)} of {fmt.count(up)}; ARR in {cur})", mover_cols,
                      mover_rows("up"), widths=mover_widths, compact=True)
    down_table = make_table(f"Largest moves down, by ARR ({min(down, MOVERS_SHOWN)} of {fmt.count(down)}; ARR in {cur})", mover_cols,
                        mover_rows("down"), widths=mover_widths, compact=True,
                        note="Every mover is on the Movers sheet of tier_plan_results.xlsx." if up + down > 2 * MOVERS_SHOWN else "")
    top = records(seg.drift.head(DRIFT_SHOWN))
    drows = [make_row(r.get("name"), r.get("account_id"), fmt.amount(r.get("arr")), r.get("tier"), cut_text(r.get("previous_score")),
                  cut_text(r.get("score")), fmt.number(r.get("score_change"), 2), r.get("flag") or "") for r in top]
    drift_table = make_table(
        f"Largest score changes since the last assessment (ARR in {cur})",
        [("Account", False), ("ID", False), ("ARR", True), ("Tier", False), ("Previous score", True), ("Score", True),
         ("Change", True), ("Watch", False)],
        drows,
        widths=[20, 12, 11, 9, 10, 9, 9, 20],
        compact=True,
    )
    flags = seg.drift["flag"].value_counts() if len(seg.drift) else pd.Series(dtype=int)
    flagged = {str(k): int(v) for k, v in flags.items() if k}
    flag_text = "; ".join(f"{k}: {fmt.count(v)}" for k, v in sorted(flagged.items(), key=lambda kv: -kv[1]))
    scores = pd.DataFrame({"tier": acc["tier"].astype(str), "score": acc["score"].astype(float)}).dropna()
    by_tier = {t: scores.loc[scores["tier"] == t, "score"].tolist() for t in p.tiers}
    cut = {str(k): float(v) for k, v in seg.cutoffs.items()}
    svg = charts.score_distribution([by_tier[t] for t in p.tiers], p.tiers, [(t, cut.get(t)) for t in p.tiers[:-1] if cut.get(t) is not None])
    margin = seg.margin
    return {
        "movers_text": (
            f"{plural(up + down, 'account')} change tier in this assessment: {fmt.count(up)} move up and {fmt.count(down)} move down; "
            f"{fmt.count(new)} have no previous tier and are placed for the first time. An account with a previous tier moves only when its "
            f"score clears a cut-off by at least the re-tiering margin of {fmt.quantity(margin, 2)} points, so accounts near a boundary do not "
            "flip back and forth between assessments. Accounts flagged at risk of churn are placed one tier up until the flag is cleared."
        ),
        "movement_table": movement,
        "movers_up_table": up_table,
        "movers_down_table": down_table,
        "drift_text": (
            f"Drift is a change in score since the last assessment of at least {fmt.quantity(seg.drift_threshold, 1)} points, worth a look even "
            f"where the account has not changed tier. " + (f"Flagged: {flag_text}." if flag_text else "")
        ),
        "drift_table": drift_table,
        "_chart_scores": figure("fig-scores", svg, "Figure 5. Composite scores of all accounts, coloured by final tier, with the score cut-offs."),
    }
