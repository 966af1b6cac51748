"""Plan -> the plain dict the report template renders.

Numbers come from ``plan.to_dict()`` (the same dict written as plan.json),
so the figures in the PDF summary are the figures in plan.json. The inputs
(``plan.inputs``) supply the assumption tables and the names in input order.
Every value handed to the template is a string or a list/dict of strings,
already formatted; the template only lays them out (and escapes them).
Charts are SVG strings marked safe (matplotlib escapes their text).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from markupsafe import Markup

from planner import schema
from planner.inputs import PlanInputs
from planner.report import charts
from planner.report import format as fmt

TITLE = "Customer Success tier plan"

SECTIONS = {
    "summary": "Executive summary",
    "tiers": "Tier definitions",
    "engagement": "Engagement model per tier",
    "services": "Service matrix",
    "headcount": "Headcount and cost plan",
    "support": "SLAs and support staffing",
    "frontier": "Budget frontier and shadow prices",
    "movers": "Tier movers and drift",
    "gaps": "Data gaps in the CRM export",
    "assumptions": "Assumptions used",
    "method": "How the plan was computed",
}

ENGAGEMENT_MEANING = {
    "High touch": "A named CSM owns the relationship, backed by technical specialists and an executive sponsor; business reviews are proactive and planned.",
    "Mid touch": "CSMs are shared across a pool of accounts and use playbooks and content tailored to the segment; people step in at key moments.",
    "Low touch": "Onboarding, health alerts and check-ins are automated; customers succeed through self-service, digital programmes and the community, and support answers on request.",
}

MODE_LABELS = {
    "min_cost": "plan mode: deliver the negotiated service at the lowest cost",
    "max_value": "plan mode: buy the most expected ARR impact within the budget",
}

FEASIBLE_STATUSES = {"optimal", "feasible", "time_limit_feasible", "not_proven_optimal"}

MOVERS_SHOWN = 25
KEEP_ROWS = 14  # tables this short never split across pages
DRIFT_SHOWN = 15


# ----------------------------------------------------------------- small helpers


def _table(caption: str, columns: Sequence[tuple[str, bool]], rows: list[dict], *, widths=None, compact=False,
           row_header=True, note: str = "", ident: str | None = None) -> dict:
    """A table the template's macro renders: columns are (label, numeric?)."""
    return {
        "caption": caption,
        "columns": [{"label": label, "num": num} for label, num in columns],
        "rows": rows,
        "widths": list(widths) if widths else None,
        "compact": compact,
        "row_header": row_header,
        "note": note,
        "id": ident,
        "keep": len(rows) <= KEEP_ROWS,
    }


def _row(*cells, total: bool = False, flags: Sequence[bool] | None = None) -> dict:
    return {"cells": [str(c) for c in cells], "total": total, "flags": list(flags) if flags else None}


def _by(records: Sequence[Mapping], *keys: str) -> dict:
    out = {}
    for r in records or ():
        out[tuple(r.get(k) for k in keys) if len(keys) > 1 else r.get(keys[0])] = r
    return out


def _sum(values) -> float:
    return float(sum(v for v in values if v is not None))


def _band_text(basis: str, lo, hi) -> str:
    if lo is None and hi is None:
        return fmt.DASH
    return f"{fmt.percent(lo, 0)}{fmt.DASH}{fmt.percent(hi, 0)} of {'ARR' if basis == 'ARR' else 'accounts'}"


def _ratio(a, b):
    return a / b if (a is not None and b) else None


def _fte_cell(value: float) -> str:
    """People in a role x tier matrix: a dash where nobody is planned."""
    return fmt.people(value) if round(value, 1) != 0 else fmt.DASH


def _feasible(status: str | None, total_cost) -> bool:
    return total_cost is not None and (status or "").lower().replace(" ", "_") in FEASIBLE_STATUSES


# ----------------------------------------------------------------- the context


def build_context(plan_dict: Mapping, inputs: PlanInputs, page_size: str = "A4") -> dict:
    """Everything the template needs, as strings, lists and dicts of strings."""
    d = plan_dict
    cur = d.get("currency") or inputs.finance.currency
    sym = fmt.symbol(cur)
    summary = d.get("summary", {})
    opt = d.get("optimization", {}) or {}
    seg = d.get("segmentation", {}) or {}
    val = d.get("valuation", {}) or {}
    tiers = list(inputs.tier_names)
    roles = [r.name for r in inputs.roles]
    feasible = _feasible(summary.get("status"), summary.get("total_cost"))

    ctx: dict = {
        "title": TITLE,
        "fiscal_year": str(d.get("fiscal_year", inputs.finance.fiscal_year)),
        "page_size": page_size if page_size in ("A4", "Letter") else "A4",
        "tool": f"{d.get('tool', {}).get('name', 'TierPlan')} {d.get('tool', {}).get('version', '')}".strip(),
        "source": d.get("source", ""),
        "mode_label": MODE_LABELS.get(summary.get("mode") or opt.get("mode"), str(summary.get("mode") or "")),
        "solver_label": _solver_label(opt),
        "sections": SECTIONS,
        "toc": [(k, v) for k, v in SECTIONS.items() if k != "summary"],
        "notes": list(d.get("notes") or ()),
    }
    ctx.update(_summary(d, inputs, cur, feasible))
    ctx.update(_tiers(d, inputs, cur))
    ctx.update(_engagement(d, inputs))
    ctx.update(_services(d, inputs, cur))
    ctx.update(_headcount(d, inputs, cur))
    ctx.update(_support(d, inputs))
    ctx.update(_frontier(d, inputs, cur, feasible))
    ctx.update(_movers(d, inputs, cur))
    ctx.update(_gaps(d, inputs))
    ctx.update(_assumptions(d, inputs, cur))
    ctx["method"] = _method(d, inputs)
    ctx["footer"] = (
        f"Prepared with {ctx['tool']} from {ctx['source'] or 'the planning workbook'}. Every figure in this report is in {cur} per year "
        "unless a column says otherwise, and equals the matching value in plan.json."
    )
    ctx["charts"] = {
        "arr_accounts": ctx.pop("_chart_arr_accounts"),
        "cost_value": ctx.pop("_chart_cost_value"),
        "headcount": ctx.pop("_chart_headcount"),
        "frontier": ctx.pop("_chart_frontier"),
        "scores": ctx.pop("_chart_scores"),
    }
    return ctx


def _figure(ident: str, svg: str, caption: str) -> dict:
    return {"id": ident, "svg": Markup(svg), "caption": caption}


def _solver_label(opt: Mapping) -> str:
    solver = (opt.get("solver") or "").upper()
    if solver == "HIGHS":
        solver = "HiGHS"
    return solver or "the optimizer"


# ----------------------------------------------------------------- 1 summary


def _summary(d: Mapping, inputs: PlanInputs, cur: str, feasible: bool) -> dict:
    s = d.get("summary", {})
    opt = d.get("optimization", {}) or {}
    budget, cost, used, value = s.get("budget"), s.get("total_cost"), s.get("budget_used"), s.get("value")
    mode = s.get("mode") or opt.get("mode") or inputs.finance.planning_mode
    value_label = "Expected ARR impact" if mode == "max_value" else "Assessed Service Value"
    details: list[str] = []
    infeas = opt.get("infeasibility") or {}
    if feasible:
        headline = f"The plan fits the budget: {fmt.money(cost, cur)} of {fmt.money(budget, cur)} ({fmt.percent(used)} used)."
        if opt.get("proven_optimal"):
            details.append(f"{_solver_label(opt)} proved this plan optimal.")
        elif opt.get("gap") is not None:
            details.append(
                f"{_solver_label(opt)} stopped at its time limit with the best plan found; it is within {fmt.percent(opt.get('gap'), 2)} of the best possible."
            )
    else:
        smallest = infeas.get("smallest_budget")
        headline = f"No plan meets every commitment within the budget of {fmt.money(budget, cur)}."
        if smallest is not None:
            headline += f" The smallest budget that works is {fmt.money(smallest, cur)}."
        for reason in infeas.get("reasons") or ():
            details.append(str(reason))
        details.append("The figures below show the plan at the smallest workable budget where one exists; nothing else in this report is a commitment until the budget is settled.")

    hc_total = _sum(r.get("fte") for r in opt.get("headcount") or ())
    kpis = [
        {"label": "Annual CS budget", "value": fmt.money(budget, cur), "note": ""},
        {"label": "Planned cost", "value": fmt.money(cost, cur), "note": f"{fmt.percent(used)} of budget" if used is not None else ""},
        {"label": value_label, "value": fmt.money(value, cur), "note": _value_note(mode, inputs)},
        {"label": "People", "value": fmt.people(hc_total), "note": "full-time equivalents"},
        {"label": "Accounts", "value": fmt.count(s.get("accounts")), "note": f"in {len(inputs.tiers)} tiers"},
        {"label": "CS cost as share of ARR", "value": fmt.percent(_ratio(cost, s.get("arr"))), "note": f"{fmt.money(s.get('arr'), cur)} ARR"},
    ]
    arr = s.get("arr")
    share = _ratio(cost, arr)
    n_tiers = len(inputs.tiers)
    text = (
        f"{fmt.count(s.get('accounts'))} accounts holding {fmt.money(arr, cur)} of ARR are placed in {n_tiers} tiers. "
    )
    if feasible:
        text += (
            f"Serving them as planned costs {fmt.money(cost, cur)} a year, {fmt.percent(used)} of the budget and "
            f"{fmt.percent(share)} of ARR, and needs {fmt.people(hc_total)} people. "
        )
        if mode == "max_value":
            text += f"The chosen service levels are expected to protect or add {fmt.money(value, cur)} of ARR."
        else:
            text += f"At the {fmt.percent(inputs.finance.margin, 0)} profit margin the services delivered are worth {fmt.money(value, cur)} (Assessed Service Value)."
    else:
        text += "The services and SLAs as negotiated cost more than the budget allows; see the trade-offs below and the budget frontier."

    people = _people_table(d, inputs)
    trade = []
    for t in list(opt.get("trade_offs") or ())[:3]:
        if isinstance(t, str):
            trade.append({"title": "", "text": t})
        else:
            trade.append({"title": str(t.get("title") or ""), "text": str(t.get("text") or t.get("statement") or "")})
    return {
        "status": {"feasible": feasible, "headline": headline, "details": details},
        "kpis": kpis,
        "summary_text": text,
        "people": people,
        "trade_offs": trade,
        "no_trade_offs": "The sensitivity analysis found no limit whose change would move the plan materially.",
    }


def _value_note(mode: str, inputs: PlanInputs) -> str:
    if mode == "max_value":
        return "retention and expansion effect"
    return f"cost x (1 + {fmt.percent(inputs.finance.margin, 0)} margin)"


def _fte_matrix(d: Mapping, inputs: PlanInputs) -> tuple[list[str], dict]:
    """Roles that carry people, and fte[(role, tier)] (tier None: pooled across tiers)."""
    opt = d.get("optimization", {}) or {}
    fte: dict = defaultdict(float)
    for r in opt.get("headcount") or ():
        fte[(r.get("role"), r.get("tier"))] += float(r.get("fte") or 0.0)
    roles = [r.name for r in inputs.roles if any(k[0] == r.name for k in fte)]
    return roles, fte


def _people_table(d: Mapping, inputs: PlanInputs) -> dict:
    tiers = list(inputs.tier_names)
    roles, fte = _fte_matrix(d, inputs)
    has_pool = any(k[1] in (None, "", "All tiers") for k in fte)
    cols = [("Role", False)] + [(t, True) for t in tiers] + ([("Shared", True)] if has_pool else []) + [("Total", True)]
    rows = []
    for role in roles:
        vals = [fte.get((role, t), 0.0) for t in tiers]
        pool = sum(v for k, v in fte.items() if k[0] == role and k[1] in (None, "", "All tiers"))
        rows.append(_row(role, *[_fte_cell(v) for v in vals], *([_fte_cell(pool)] if has_pool else []), fmt.people(sum(vals) + pool)))
    tier_tot = [sum(fte.get((r, t), 0.0) for r in roles) for t in tiers]
    pool_tot = sum(v for k, v in fte.items() if k[1] in (None, "", "All tiers"))
    rows.append(_row("Total", *[fmt.people(v) for v in tier_tot], *([fmt.people(pool_tot)] if has_pool else []),
                     fmt.people(sum(tier_tot) + pool_tot), total=True))
    return _table("People by role and tier (full-time equivalents)", cols, rows)


# ----------------------------------------------------------------- 2 tiers


def _tiers(d: Mapping, inputs: PlanInputs, cur: str) -> dict:
    seg = d.get("segmentation", {}) or {}
    val = d.get("valuation", {}) or {}
    vt = _by(val.get("tiers") or (), "tier")
    totals = val.get("totals") or {}
    total_arr = totals.get("arr") or 0.0
    total_acc = totals.get("accounts") or 0
    cut = _cutoffs(seg)
    bands = _by(seg.get("bands") or (), "tier")
    rows, arr_share, acc_share, band_list, defs = [], [], [], [], []
    for t in inputs.tiers:
        r = vt.get(t.name, {})
        a_share = (r.get("arr", 0.0) / total_arr) if total_arr else 0.0
        n_share = (r.get("accounts", 0) / total_acc) if total_acc else 0.0
        b = bands.get(t.name, {})
        share = a_share if t.band_basis == "ARR" else n_share
        within = b.get("within")
        if within is None:
            within = t.band_min - 1e-9 <= share <= t.band_max + 1e-9
        rows.append(
            _row(
                t.name,
                t.engagement,
                fmt.count(r.get("accounts")),
                fmt.amount(r.get("arr")),
                fmt.percent(a_share),
                fmt.percent(n_share),
                _band_text(t.band_basis, t.band_min, t.band_max),
                "Yes" if within else "No",
                fmt.number(cut.get(t.name), 1) if cut.get(t.name) is not None else fmt.DASH,
                flags=[False] * 7 + [not within, False],
            )
        )
        arr_share.append(a_share)
        acc_share.append(n_share)
        band_list.append((t.band_basis, t.band_min, t.band_max))
        text = (t.description or "No description on the Tiers sheet.").strip()
        if text and text[-1] not in ".!?":
            text += "."
        if cut.get(t.name) is not None:
            text += f" Accounts scoring {fmt.number(cut[t.name], 1)} or more (out of 100) qualify unless a lock, flag or the re-tiering margin says otherwise."
        defs.append({"name": t.name, "text": text})
    rows.append(_row("Total", "", fmt.count(total_acc), fmt.amount(total_arr), fmt.percent(1.0 if total_arr else None),
                     fmt.percent(1.0 if total_acc else None), "", "", "", total=True))
    table = _table(
        f"Accounts and ARR per tier against the target bands (ARR in {cur})",
        [("Tier", False), ("Engagement", False), ("Accounts", True), ("ARR", True), ("Share of ARR", True),
         ("Share of accounts", True), ("Target band", False), ("In band", False), ("Score cut-off", True)],
        rows,
        widths=[12, 12, 9, 13, 9, 10, 17, 7, 11],
    )
    svg = charts.arr_and_accounts_by_tier(list(inputs.tier_names), arr_share, acc_share, band_list)
    n_out = sum(1 for r in rows[:-1] if r["cells"][7] == "No")
    text = (
        f"Every account is scored from 0 to 100 on revenue and the four pillars (growth potential, strategic value, engagement complexity, "
        f"health and maturity) and placed in one of {len(inputs.tiers)} tiers. Each tier has a target band, either a share of ARR or a share "
        f"of accounts as the Tiers sheet says. "
        + ("All tiers sit inside their bands." if n_out == 0 else f"{n_out} tier{'s' if n_out != 1 else ''} sit{'' if n_out != 1 else 's'} outside the band; locks, strategic flags and churn-risk flags explain most such gaps.")
    )
    return {
        "tiers_text": text,
        "tier_table": table,
        "tier_defs": defs,
        "_chart_arr_accounts": _figure("fig-arr-accounts", svg, "Figure 1. Share of ARR and of accounts per tier; the shaded range is the tier's target band."),
    }


def _cutoffs(seg: Mapping) -> dict:
    """tier -> lowest composite score that qualifies (None for the lowest tier)."""
    raw = seg.get("cutoffs")
    if isinstance(raw, Mapping):
        return {k: v for k, v in raw.items()}
    out = {}
    for r in raw or ():
        out[r.get("tier")] = r.get("score", r.get("cutoff"))
    return out


# ----------------------------------------------------------------- 3 engagement


def _engagement(d: Mapping, inputs: PlanInputs) -> dict:
    plan_iv = _planned_intervals(d, inputs)
    rows = []
    for t in inputs.tiers:
        delivered = [iv for iv in inputs.intervals if iv.tier == t.name and plan_iv.get((iv.service, t.name), 0) > 0]
        named = sorted({iv.role for iv in delivered if inputs.role(iv.role).staffing == "Named"})
        coverage = []
        for rn in named:
            r = inputs.role(rn)
            coverage.append(f"{rn} (up to {fmt.count(r.max_accounts)} accounts each)" if r.max_accounts else rn)
        hours = sum(iv.hours * plan_iv.get((iv.service, t.name), 0) for iv in delivered)
        rows.append(
            _row(
                t.name,
                t.engagement,
                ENGAGEMENT_MEANING.get(t.engagement, ""),
                "; ".join(coverage) if coverage else "None: pooled or automated",
                fmt.count(len(delivered)),
                fmt.quantity(hours, 1),
            )
        )
    table = _table(
        "Engagement model per tier",
        [("Tier", False), ("Model", False), ("What the customer experiences", False), ("Named roles", False),
         ("Services delivered", True), ("Hours per account per year", True)],
        rows,
        widths=[11, 10, 39, 20, 9, 11],
    )
    return {
        "engagement_text": (
            "The engagement model sets how a tier is served. High touch accounts get named people; mid touch accounts share a pool of CSMs; "
            "low touch accounts are served mostly through automation and self-service. The hours column counts the people-time the planned "
            "services take per account in a year."
        ),
        "engagement_table": table,
    }


# ----------------------------------------------------------------- 4 services


def _planned_intervals(d: Mapping, inputs: PlanInputs) -> dict:
    """(service, tier) -> planned occurrences per year; the negotiated ones when the optimizer gave none."""
    opt = d.get("optimization", {}) or {}
    out = {(iv.service, iv.tier): iv.negotiated for iv in inputs.intervals}
    for r in opt.get("intervals") or ():
        if r.get("planned") is not None:
            out[(r.get("service"), r.get("tier"))] = float(r["planned"])
    return out


def _services(d: Mapping, inputs: PlanInputs, cur: str) -> dict:
    val = d.get("valuation", {}) or {}
    vs = _by(val.get("services") or (), "service", "tier")
    plan_iv = _planned_intervals(d, inputs)
    mult = 1.0 + inputs.finance.margin
    tiers = list(inputs.tier_names)

    # services x tiers: planned per year
    mrows = []
    for s in inputs.services:
        cells = []
        for t in tiers:
            iv = inputs.interval(s.name, t)
            if iv is None:
                cells.append(fmt.DASH)
                continue
            p = plan_iv.get((s.name, t), iv.negotiated)
            mark = "" if abs(p - iv.negotiated) < 1e-9 else (" \u2191" if p > iv.negotiated else " \u2193")
            cells.append(fmt.quantity(p) + mark)
        mrows.append(_row(s.name, *cells))
    n = len(tiers)
    matrix = _table(
        "Occurrences per account per year, by service and tier (\u2191 / \u2193: planned above / below the negotiated interval)",
        [("Service", False)] + [(t, True) for t in tiers],
        mrows,
        widths=[34] + [round(66 / n, 2)] * n,
        compact=n > 4,
    )

    tables, cost_series, value_series = [], [], []
    vt = _by(val.get("tiers") or (), "tier")
    opt_t = _by((d.get("optimization", {}) or {}).get("tiers") or (), "tier")
    for t in tiers:
        rows = []
        tot_cost = tot_asv = tot_hours = 0.0
        for iv in (i for i in inputs.intervals if i.tier == t):
            v = vs.get((iv.service, t), {})
            per_occ = v.get("cost_per_occurrence")
            p = plan_iv.get((iv.service, t), iv.negotiated)
            annual = per_occ * p if per_occ is not None else None
            asv = annual * mult if annual is not None else None
            tot_cost += annual or 0.0
            tot_asv += asv or 0.0
            tot_hours += iv.hours * p
            rows.append(
                _row(
                    iv.service,
                    iv.role,
                    fmt.quantity(iv.negotiated),
                    fmt.quantity(p),
                    fmt.quantity(iv.hours),
                    fmt.amount(per_occ),
                    fmt.amount(annual),
                    fmt.amount(asv),
                )
            )
        rows.append(_row("Total per account", "", "", "", "", "", fmt.amount(tot_cost), fmt.amount(tot_asv), total=True))
        accounts = (vt.get(t) or {}).get("accounts") or 0
        tables.append(
            _table(
                f"{t}: services per account ({cur} per year; {fmt.count(accounts)} accounts)",
                [("Service", False), ("Delivered by", False), ("Negotiated per year", True), ("Planned per year", True),
                 ("Hours per occurrence", True), ("Cost per occurrence", True), ("Annual cost per account", True),
                 ("Assessed Service Value", True)],
                rows,
                widths=[25, 14, 9, 9, 9, 10, 12, 12],
                note=f"People-time per account at the planned intervals: {fmt.quantity(tot_hours, 1)} hours a year.",
            )
        )
        ot = opt_t.get(t) or {}
        cost_series.append(ot.get("cost", tot_cost * accounts))
        value_series.append(ot.get("value", tot_asv * accounts))
    svg = charts.cost_vs_value_by_tier(tiers, cost_series, value_series, fmt.symbol(cur).strip() if len(fmt.symbol(cur)) <= 2 else "")
    return {
        "services_text": (
            f"For each tier, how often each service is delivered to one account in a year, the hours it takes, what it costs and what it is worth. "
            f"Cost per occurrence is the delivering role's hourly rate times the hours, plus any direct cost. Assessed Service Value is the annual "
            f"cost times (1 + the {fmt.percent(inputs.finance.margin, 0)} profit margin)."
        ),
        "interval_matrix": matrix,
        "service_tables": tables,
        "_chart_cost_value": _figure("fig-cost-value", svg, "Figure 2. Cost to serve and Assessed Service Value per tier, for all accounts of the tier in a year."),
    }


# ----------------------------------------------------------------- 5 headcount and cost


def _headcount(d: Mapping, inputs: PlanInputs, cur: str) -> dict:
    opt = d.get("optimization", {}) or {}
    tiers = list(inputs.tier_names)
    roles, fte = _fte_matrix(d, inputs)
    cost_by_role: dict = defaultdict(float)
    for r in opt.get("headcount") or ():
        cost_by_role[r.get("role")] += float(r.get("cost") or 0.0)
    rows = []
    for role in roles:
        rr = inputs.role(role)
        total = sum(v for k, v in fte.items() if k[0] == role)
        rows.append(_row(role, rr.staffing, fmt.amount(rr.loaded_cost), fmt.quantity(rr.productive_hours, 0),
                         fmt.people(total), fmt.amount(cost_by_role.get(role))))
    rows.append(_row("Total", "", "", "", fmt.people(sum(fte.values())), fmt.amount(_sum(cost_by_role.values())), total=True))
    hc_table = _table(
        f"People and people cost by role ({cur} per year)",
        [("Role", False), ("Staffing", False), ("Loaded cost per person", True), ("Productive hours", True),
         ("People (FTE)", True), ("People cost", True)],
        rows,
        widths=[24, 14, 16, 14, 14, 18],
    )
    shared = [sum(v for k, v in fte.items() if k[0] == role and k[1] not in tiers) for role in roles]
    fte_rows = [[fte.get((role, t), 0.0) for t in tiers] for role in roles]
    svg = charts.headcount_by_role_and_tier(roles, tiers, fte_rows, shared)

    ot = _by(opt.get("tiers") or (), "tier")
    crow = []
    keys = ("people_cost", "direct_cost", "support_cost", "cost")
    sums = defaultdict(float)
    for t in inputs.tiers:
        r = ot.get(t.name, {})
        share = r.get("cost_share_of_arr")
        guard = t.max_cost_share
        over = guard is not None and share is not None and share > guard + 1e-9
        crow.append(
            _row(t.name, fmt.count(r.get("accounts")), fmt.amount(r.get("people_cost")), fmt.amount(r.get("direct_cost")),
                 fmt.amount(r.get("support_cost")), fmt.amount(r.get("cost")), fmt.amount(r.get("cost_per_account")),
                 fmt.percent(share), fmt.percent(guard, 0) if guard is not None else fmt.DASH,
                 flags=[False] * 7 + [over, False])
        )
        for k in keys:
            sums[k] += float(r.get(k) or 0.0)
        sums["accounts"] += float(r.get("accounts") or 0)
    s = d.get("summary", {})
    crow.append(_row("Total", fmt.count(sums["accounts"]), fmt.amount(sums["people_cost"]), fmt.amount(sums["direct_cost"]),
                     fmt.amount(sums["support_cost"]), fmt.amount(s.get("total_cost")),
                     fmt.amount(s.get("total_cost") / sums["accounts"]) if s.get("total_cost") is not None and sums["accounts"] else fmt.DASH,
                     fmt.percent(s.get("total_cost") / s["arr"]) if s.get("total_cost") is not None and s.get("arr") else fmt.DASH,
                     "", total=True))
    cost_table = _table(
        f"Cost plan per tier ({cur} per year)",
        [("Tier", False), ("Accounts", True), ("People (services)", True), ("Direct costs", True), ("Support", True),
         ("Total cost", True), ("Per account", True), ("% of ARR", True), ("Guardrail", True)],
        rows=crow,
        widths=[13, 9, 12, 11, 11, 12, 11, 10, 11],
        note="Guardrail: the most the tier's customer success cost may be as a share of its ARR (Tiers sheet); a flagged value is above it.",
    )
    return {
        "headcount_text": (
            "People are whole hires where a role is named to a tier, and may be fractional where a pool is shared; "
            "the cost of a person is the loaded annual cost from the Roles sheet."
        ),
        "headcount_table": hc_table,
        "cost_table": cost_table,
        "_chart_headcount": _figure("fig-headcount", svg, "Figure 3. People by role, split by the tier they serve."),
    }


# ----------------------------------------------------------------- 6 support


def _support(d: Mapping, inputs: PlanInputs) -> dict:
    opt = d.get("optimization", {}) or {}
    srows = []
    for sla in inputs.slas:
        srows.append(_row(sla.tier, sla.severity, sla.channel, fmt.duration_seconds(sla.target_seconds),
                          fmt.percent(sla.service_level, 0), fmt.quantity(sla.tickets_per_account_month, 2),
                          fmt.quantity(sla.handle_minutes, 1), sla.role))
    sla_table = _table(
        "Support commitments per tier",
        [("Tier", False), ("Severity", False), ("Channel", False), ("First response within", True), ("Answered in time", True),
         ("Tickets per account per month", True), ("Handle time (min)", True), ("Handled by", False)],
        srows,
        widths=[12, 10, 12, 12, 11, 13, 11, 19],
    )
    rows = []
    for r in opt.get("support") or ():
        rows.append(_row(r.get("tier") or "", r.get("channel") or "", r.get("role") or "",
                         fmt.count(r.get("tickets_per_month")), fmt.people(r.get("agents")),
                         fmt.percent(r.get("service_level")), fmt.percent(r.get("occupancy"))))
    support_table = _table(
        "Support staffing needed to meet the SLAs",
        [("Tier", False), ("Channel", False), ("Role", False), ("Tickets per month", True), ("People (FTE)", True),
         ("Expected in time", True), ("Occupancy", True)],
        rows,
        widths=[14, 14, 20, 13, 13, 13, 13],
    )
    f = inputs.finance
    return {
        "support_text": (
            f"Live channels (chat and phone) are staffed with the Erlang C queueing model over {fmt.quantity(f.live_hours, 0)} open hours a month, "
            f"with {fmt.percent(f.shrinkage, 0)} shrinkage and agents busy at most {fmt.percent(f.occupancy_cap, 0)} of the time. "
            "Email and ticket queues are staffed so the month's volume is cleared at that occupancy, within the response target."
        ),
        "sla_table": sla_table,
        "support_table": support_table,
    }


# ----------------------------------------------------------------- 7 frontier and shadow prices


def _frontier(d: Mapping, inputs: PlanInputs, cur: str, feasible: bool) -> dict:
    opt = d.get("optimization", {}) or {}
    s = d.get("summary", {})
    mode = s.get("mode") or inputs.finance.planning_mode
    value_label = "Expected ARR impact" if mode == "max_value" else "Assessed Service Value"
    pts = sorted(opt.get("frontier") or (), key=lambda r: r.get("budget") or 0)
    budgets = [p.get("budget") for p in pts]
    values = [p.get("value") if _feasible(p.get("status"), p.get("total_cost", p.get("cost"))) or p.get("value") is not None else None for p in pts]
    smallest = (opt.get("infeasibility") or {}).get("smallest_budget")
    svg = charts.budget_frontier(budgets, values, s.get("budget"), s.get("value") if feasible else None,
                                 fmt.symbol(cur).strip() if len(fmt.symbol(cur)) <= 2 else "", value_label, smallest)
    frows = []
    for p in pts:
        frows.append(_row(fmt.amount(p.get("budget")), fmt.amount(p.get("total_cost", p.get("cost"))), fmt.amount(p.get("value")),
                          str(p.get("status") or "")))
    ftable = _table(
        f"Budget frontier ({cur} per year)",
        [("Budget", True), ("Planned cost", True), (value_label, True), ("Result", False)],
        frows,
        widths=[25, 25, 25, 25],
        row_header=False,
    )
    shrows = []
    for sp in opt.get("shadow_prices") or ():
        shrows.append(_row(str(sp.get("constraint") or sp.get("name") or ""), fmt.amount(sp.get("price", sp.get("value")), 2),
                           str(sp.get("meaning") or sp.get("unit") or ""), "Yes" if sp.get("binding") else "No"))
    stable = _table(
        "Shadow prices",
        [("Limit", False), ("Shadow price", True), ("What it means", False), ("Binding", False)],
        shrows,
        widths=[30, 14, 46, 10],
    )
    return {
        "frontier_text": (
            f"The optimizer was re-run at a range of budgets. Each point shows the best plan at that budget, so the curve shows what each extra "
            f"unit of budget buys and where spending more stops paying. The diamond marks this plan."
        ),
        "frontier_table": ftable,
        "shadow_text": (
            "A shadow price is the change in the plan's objective when one limit is relaxed by one unit, all else fixed. A zero price means the "
            "limit is not what holds the plan back; the binding limits are the ones worth negotiating."
        ),
        "shadow_table": stable,
        "_chart_frontier": _figure("fig-frontier", svg, f"Figure 4. Budget frontier: {value_label.lower()} reached at each budget."),
    }


# ----------------------------------------------------------------- 8 movers and drift


def _movers(d: Mapping, inputs: PlanInputs, cur: str) -> dict:
    seg = d.get("segmentation", {}) or {}
    tiers = list(inputs.tier_names)
    movers = list(seg.get("movers") or ())
    rank = {t: i for i, t in enumerate(tiers)}
    counts: dict = defaultdict(int)
    for m in movers:
        counts[(m.get("previous_tier"), m.get("tier"))] += 1
    up = sum(1 for m in movers if m.get("previous_tier") in rank and m.get("tier") in rank and rank[m["tier"]] < rank[m["previous_tier"]])
    down = sum(1 for m in movers if m.get("previous_tier") in rank and m.get("tier") in rank and rank[m["tier"]] > rank[m["previous_tier"]])
    new = sum(1 for m in movers if m.get("previous_tier") not in rank)
    mrows = [_row(f"From {p}", *[fmt.count(counts.get((p, t), 0)) if p != t else fmt.DASH for t in tiers]) for p in tiers]
    movement = _table(
        "Accounts changing tier (rows: previous tier; columns: new tier)",
        [("Previous tier", False)] + [(f"To {t}", True) for t in tiers],
        mrows,
        widths=[22] + [round(78 / len(tiers), 2)] * len(tiers),
    )
    shown = sorted(movers, key=lambda m: (-(m.get("arr") or 0.0), str(m.get("account_id"))))[:MOVERS_SHOWN]
    rows = [
        _row(m.get("name") or "", m.get("account_id") or "", fmt.amount(m.get("arr")), m.get("previous_tier") or "new",
             m.get("tier") or "", fmt.number(m.get("score"), 1), m.get("reason") or "")
        for m in shown
    ]
    movers_table = _table(
        f"Largest movers by ARR ({min(len(movers), MOVERS_SHOWN)} of {fmt.count(len(movers))}; ARR in {cur})",
        [("Account", False), ("ID", False), ("ARR", True), ("From", False), ("To", False), ("Score", True), ("Why", False)],
        rows,
        widths=[20, 10, 11, 9, 9, 7, 34],
        compact=True,
        note="The full list is on the Movers sheet of tier_plan_results.xlsx." if len(movers) > MOVERS_SHOWN else "",
    )
    drift = list(seg.get("drift") or ())
    drift_sorted = sorted(drift, key=lambda r: (-abs(r.get("change") or 0.0), str(r.get("account_id"))))[:DRIFT_SHOWN]
    drows = [
        _row(r.get("name") or "", r.get("account_id") or "", r.get("tier") or "", fmt.number(r.get("previous_score"), 1),
             fmt.number(r.get("score"), 1), fmt.number(r.get("change"), 1))
        for r in drift_sorted
    ]
    drift_table = _table(
        f"Largest score changes since the last assessment ({len(drift_sorted)} of {fmt.count(len(drift))})",
        [("Account", False), ("ID", False), ("Tier", False), ("Previous score", True), ("Score", True), ("Change", True)],
        drows,
        widths=[30, 14, 14, 14, 14, 14],
        compact=True,
    )
    seg_acc = seg.get("accounts") or ()
    by_tier = {t: [] for t in tiers}
    for a in seg_acc:
        if a.get("tier") in by_tier and a.get("score") is not None:
            by_tier[a["tier"]].append(float(a["score"]))
    cut = _cutoffs(seg)
    cut_list = [(t, cut.get(t)) for t in tiers[:-1] if cut.get(t) is not None]
    svg = charts.score_distribution([by_tier[t] for t in tiers], tiers, cut_list)
    return {
        "movers_text": (
            f"{fmt.count(len(movers))} accounts change tier in this assessment: {fmt.count(up)} move up, {fmt.count(down)} move down and "
            f"{fmt.count(new)} are placed for the first time. An account with a previous tier only moves when its score crosses a cut-off by "
            f"more than the re-tiering margin of {fmt.quantity(inputs.finance.retier_margin, 1)} points, so accounts near a boundary do not flap."
        ),
        "movement_table": movement,
        "movers_table": movers_table,
        "drift_text": (
            "Drift is a change in score since the last assessment that is large enough to watch, even where the account has not changed tier yet."
        ),
        "drift_table": drift_table,
        "_chart_scores": _figure("fig-scores", svg, "Figure 5. Composite scores of all accounts, coloured by final tier, with the score cut-offs."),
    }


# ----------------------------------------------------------------- 9 data gaps


def _gaps(d: Mapping, inputs: PlanInputs) -> dict:
    seg = d.get("segmentation", {}) or {}
    gaps = list(seg.get("data_gaps") or ())
    rows = [
        _row(str(g.get("column") or ""), fmt.count(g.get("missing")), fmt.percent(g.get("share")), str(g.get("effect") or ""))
        for g in gaps
    ]
    table = _table(
        "Missing values in the CRM export",
        [("Column", False), ("Accounts missing it", True), ("Share", True), ("How the plan handled it", False)],
        rows,
        widths=[22, 14, 10, 54],
    )
    n = len(inputs.accounts)
    text = (
        f"The CRM export has {fmt.count(n)} accounts. "
        + ("No signal the scoring uses is missing." if not gaps else
           "Gaps are normal in a CRM export; the table lists the columns with missing values, so the CRM owner can fill them before the next assessment.")
    )
    return {"gaps_text": text, "gaps_table": table}


# ----------------------------------------------------------------- 10 assumptions


def _assumptions(d: Mapping, inputs: PlanInputs, cur: str) -> dict:
    f = inputs.finance
    tables = []
    frows = []
    for st in schema.FINANCE.settings:
        v = getattr(f, st.key)
        if st.kind == schema.CURRENCY:
            text = fmt.money(v, cur)
        elif st.kind == schema.PERCENT:
            text = fmt.percent(v, 1)
        elif v is None:
            text = fmt.DASH
        elif isinstance(v, float):
            text = fmt.quantity(v, 2)
        else:
            text = str(v)
        frows.append(_row(st.label, text, st.unit))
    opts = d.get("options") or {}
    overrides = [k for k in ("mode", "solver", "budget", "time_limit") if opts.get(k) is not None]
    tables.append(_table(
        "Finance and planning settings (Finance sheet)", [("Setting", False), ("Value", True), ("Unit", False)], frows,
        widths=[45, 25, 30],
        note=("Overridden on the command line for this run: " + ", ".join(f"{k} = {opts[k]}" for k in overrides)) if overrides else "",
    ))
    tables.append(_table(
        "Tiers (Tiers sheet)",
        [("Tier", False), ("Engagement", False), ("Band basis", False), ("Band min", True), ("Band max", True),
         ("Max CS cost % of ARR", True), ("Description", False)],
        [_row(t.name, t.engagement, t.band_basis, fmt.percent(t.band_min, 0), fmt.percent(t.band_max, 0),
              fmt.percent(t.max_cost_share, 0) if t.max_cost_share is not None else fmt.DASH, t.description) for t in inputs.tiers],
        widths=[12, 11, 9, 8, 8, 10, 42],
    ))
    tables.append(_table(
        f"Roles (Roles sheet; {cur})",
        [("Role", False), ("Staffing", False), ("Loaded annual cost", True), ("Productive hours", True),
         ("Max accounts per person", True), ("Hourly rate", True)],
        [_row(r.name, r.staffing, fmt.amount(r.loaded_cost), fmt.quantity(r.productive_hours, 0),
              fmt.count(r.max_accounts) if r.max_accounts else fmt.DASH, fmt.amount(r.hourly_rate, 2)) for r in inputs.roles],
        widths=[26, 12, 16, 14, 16, 16],
    ))
    tables.append(_table(
        f"Service catalog (Services sheet; {cur})",
        [("Service", False), ("Definition", False), ("Delivered by", False), ("Direct cost", True), ("Mandatory", False),
         ("Impact", True), ("Decay", True), ("Keep order", False)],
        [_row(s.name, s.definition, s.role, fmt.amount(s.direct_cost), "Yes" if s.mandatory else "No",
              fmt.percent(s.impact, 2), fmt.percent(s.decay, 0), "Yes" if s.keep_order else "No") for s in inputs.services],
        widths=[17, 36, 12, 9, 7, 7, 6, 6],
        compact=True,
    ))
    tables.append(_table(
        "Intervals (Intervals sheet): occurrences per account per year",
        [("Service", False), ("Tier", False), ("Delivered by", False), ("Hours per occurrence", True), ("Minimum", True),
         ("Negotiated", True), ("Maximum", True)],
        [_row(iv.service, iv.tier, iv.role, fmt.quantity(iv.hours), fmt.quantity(iv.minimum), fmt.quantity(iv.negotiated),
              fmt.quantity(iv.maximum)) for iv in inputs.intervals],
        widths=[30, 13, 17, 10, 10, 10, 10],
        compact=True,
    ))
    tables.append(_table(
        "Scoring rules (Scoring sheet)",
        [("Pillar", False), ("Account column", False), ("Weight", True), ("Direction", False)],
        [_row(r.pillar, r.header or r.column, fmt.quantity(r.weight), "Higher raises tier" if r.direction > 0 else "Lower raises tier")
         for r in inputs.scoring],
        widths=[28, 32, 12, 28],
    ))
    return {
        "assumptions_text": (
            "Everything the plan was computed from, as read from the workbook, so a reader can check each figure. The support commitments are listed "
            "in the SLA section."
        ),
        "assumption_tables": tables,
    }


# ----------------------------------------------------------------- 11 method


def _method(d: Mapping, inputs: PlanInputs) -> list[dict]:
    f = inputs.finance
    return [
        {
            "title": "1. Scoring and tiering",
            "paragraphs": [
                "Each account gets a score from 0 to 100. Revenue counts, but so do the four pillars: how fast the account could grow, what it is "
                "worth beyond its invoice (a reference, a design partner), how much effort it takes to serve, and how healthy and mature its use "
                "of the product is. The Scoring sheet says which CRM columns feed each pillar, with what weight and in which direction. Each signal is "
                "ranked against all accounts, so a column in dollars and a column in percent count on the same scale.",
                "Tiers are then filled from the highest score down so that each tier lands inside its target band where the data allows. Locked "
                f"accounts keep their tier; accounts flagged strategic are placed no lower than {f.strategic_tier or 'the tier named on the Finance sheet'}; "
                "accounts flagged at risk of churn get one tier more attention until the flag is cleared. An account that already had a tier only "
                f"moves when it crosses a cut-off by more than {fmt.quantity(f.retier_margin, 1)} points.",
            ],
        },
        {
            "title": "2. Cost and value of each service",
            "paragraphs": [
                "One occurrence of a service costs the hours it takes times the hourly rate of the role that delivers it (loaded annual cost divided "
                "by productive hours), plus any direct cost such as travel or tools. Multiplied by how often a tier receives it, that gives the annual "
                f"cost per account. Assessed Service Value adds the {fmt.percent(f.margin, 0)} profit margin on top of that cost: annual cost x (1 + margin).",
            ],
        },
        {
            "title": "3. Choosing intervals and headcount",
            "paragraphs": [
                "A linear optimisation model chooses how often each tier receives each service, between the minimum and maximum on the Intervals "
                "sheet, and how many people each role needs. Named roles are hired per tier, in whole people, to cover both the hours and the book of "
                "accounts each person can carry; pooled roles are shared. Mandatory services never fall below the negotiated interval, a higher tier "
                "never receives less of a service than a lower one where the catalog asks for that, and a tier's cost stays under its guardrail.",
                (
                    "In this plan the model delivered the negotiated intervals at the lowest total cost."
                    if f.planning_mode == "min_cost" and (d.get("summary", {}).get("mode") in (None, "min_cost"))
                    else "In this plan the model chose the intervals that buy the most expected ARR impact within the budget; each extra occurrence of a "
                    "service is worth a little less than the one before."
                ),
                "Support staffing is computed from the SLAs: live queues with the Erlang C model, ticket queues from volume and handle time. "
                "The model was then re-solved at several budgets to draw the frontier, and the shadow prices read from its linear relaxation.",
            ],
        },
        {
            "title": "4. What to keep in mind",
            "paragraphs": [
                "The plan is only as good as its inputs. Costs, hours and intervals are estimates a person typed into the workbook; the data gaps "
                "section lists what the CRM export was missing. Re-run the plan after each quarterly review of the accounts, and after any change "
                "to the service catalog or the budget.",
            ],
        },
    ]
