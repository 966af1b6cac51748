"""Plan -> the plain dict the report template renders.

Every number comes from ``plan.to_dict()`` (the dict written as plan.json),
so the figures in the PDF summary are the figures in plan.json. The inputs
(``plan.inputs``) give the assumption tables and the names in sheet order.
Two account-level views are not in plan.json (it keeps the top movers only):
the score of every account, for the score histogram, and the full list of
tier changes, for the movement matrix; :func:`account_detail` takes them
from ``plan.segmentation``.

Everything handed to the template is a string or a list/dict of strings,
already formatted; the template lays them out and escapes them. Charts are
SVG strings marked safe (matplotlib escapes their text).
"""

from __future__ import annotations

import re
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
    "min_cost": "planning mode min_cost: the negotiated service at the lowest cost",
    "max_value": "planning mode max_value: the most expected ARR impact within the budget",
}

# optimization statuses (planner.optimization.result)
OPTIMAL = "optimal"
FEASIBLE = "feasible, not proven optimal"
INFEASIBLE = "infeasible"
ALL_TIERS = "All tiers"  # the tier label of a pooled people pool

MOVERS_SHOWN = 10  # per direction
DRIFT_SHOWN = 15
BINDING_SHOWN = 12
KEEP_ROWS = 14  # tables this short never split across pages


# ----------------------------------------------------------------- small helpers


def _table(caption: str, columns: Sequence[tuple[str, bool]], rows: list[dict], *, widths=None, compact=False,
           row_header=True, note: str = "", ident: str | None = None) -> dict:
    """A table for the template's macro: columns are (label, numeric?); widths in % of the text width."""
    return {
        "caption": caption,
        "columns": [{"label": label, "num": num} for label, num in columns],
        "rows": rows,
        "widths": list(widths) if widths else None,
        "compact": compact,
        "row_header": row_header,
        "note": note,
        "id": ident,
        # short tables of short rows stay on one page; tall rows of prose may split between rows
        "keep": len(rows) <= KEEP_ROWS and all(sum(len(c) for c in r["cells"]) <= 160 for r in rows),
    }


def _row(*cells, total: bool = False, flags: Sequence[bool] | None = None) -> dict:
    return {"cells": ["" if c is None else str(c) for c in cells], "total": total, "flags": list(flags) if flags else None}


def _by(records, *keys: str) -> dict:
    out = {}
    for r in records or ():
        out[tuple(r.get(k) for k in keys) if len(keys) > 1 else r.get(keys[0])] = r
    return out


def _sum(values) -> float:
    return float(sum(v for v in values if v is not None))


def _ratio(a, b):
    return a / b if (a is not None and b) else None


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{fmt.count(n)} {word if n == 1 else (plural or word + 's')}"


def _sentence(text: str) -> str:
    text = (text or "").strip()
    return text if not text or text[-1] in ".!?" else text + "."


def _cut_text(value) -> str:
    return fmt.number(value, 2) if value is not None else fmt.DASH


def _figure(ident: str, svg: str, caption: str) -> dict:
    return {"id": ident, "svg": Markup(svg), "caption": caption}


def _chart_symbol(currency: str) -> str:
    sym = fmt.symbol(currency)
    return sym if len(sym) <= 2 else ""


class _Plan:
    """Read-only view of plan.json with the few derived facts every section needs."""

    def __init__(self, d: Mapping, inputs: PlanInputs):
        self.d = d
        self.inputs = inputs
        self.cur = d.get("currency") or inputs.finance.currency
        self.summary = d.get("summary") or {}
        self.opt = d.get("optimization") or {}
        self.seg = d.get("segmentation") or {}
        self.val = d.get("valuation") or {}
        self.tiers = list(inputs.tier_names)
        self.mode = self.summary.get("mode") or self.opt.get("mode") or inputs.finance.planning_mode
        self.status = self.summary.get("status") or self.opt.get("status") or ""
        self.plan_kind = self.opt.get("plan_kind", "plan")
        self.has_plan = self.plan_kind != "none" and self.summary.get("total_cost") is not None
        self.feasible = self.status in (OPTIMAL, FEASIBLE) and self.has_plan
        self.budget = self.summary.get("budget")
        self.total_cost = self.summary.get("total_cost")
        used = self.summary.get("budget_used")
        self.budget_used = used if used is not None else self.opt.get("budget_used_share")
        self.value = self.summary.get("value")
        self.asv = self.opt.get("assessed_service_value")
        self.infeasibility = self.opt.get("infeasibility") or {}
        self.accounts = self.seg.get("counts") or {}
        self.arr = self.seg.get("arr") or {}
        self.intervals = _by(self.opt.get("intervals"), "service", "tier")
        self.headcount = list(self.opt.get("headcount") or ())
        self.margin = inputs.finance.margin

    def planned(self, service: str, tier: str) -> float | None:
        """Occurrences per year the plan delivers; the negotiated ones when there is no plan."""
        r = self.intervals.get((service, tier))
        if r is not None and r.get("chosen") is not None:
            return float(r["chosen"])
        iv = self.inputs.interval(service, tier)
        return iv.negotiated if iv is not None else None

    def cost_per_occurrence(self, service: str, tier: str) -> float | None:
        r = self.intervals.get((service, tier))
        if r is not None and r.get("cost_per_occurrence") is not None:
            return float(r["cost_per_occurrence"])
        v = _by(self.val.get("services"), "service", "tier").get((service, tier))
        return v.get("cost_per_occurrence") if v else None

    @property
    def interval_word(self) -> str:
        return "planned" if self.has_plan else "negotiated"

    def people(self) -> dict:
        """(role, tier label) -> people."""
        out: dict = defaultdict(float)
        for r in self.headcount:
            out[(r.get("role"), r.get("tier"))] += float(r.get("people") or 0)
        return out

    def tier_costs(self) -> dict:
        """tier -> {service cost, ASV, expected impact, hours} of one year at the planned intervals, all accounts."""
        out = {}
        for t in self.tiers:
            n = self.accounts.get(t, 0)
            cost = asv = impact = hours = 0.0
            for iv in (i for i in self.inputs.intervals if i.tier == t):
                p = self.planned(iv.service, t) or 0.0
                c = (self.cost_per_occurrence(iv.service, t) or 0.0) * p
                cost += c * n
                asv += c * (1 + self.margin) * n
                hours += iv.hours * p
                r = self.intervals.get((iv.service, t)) or {}
                impact += r.get("expected_impact") or 0.0
            out[t] = {"cost": cost, "asv": asv, "impact": impact if self.has_plan else None, "hours_per_account": hours}
        return out


# ----------------------------------------------------------------- the context


def build_context(plan_dict: Mapping, inputs: PlanInputs, page_size: str = "A4", detail: Mapping | None = None) -> dict:
    """Everything the template needs, as strings, lists and dicts of strings.

    ``detail`` is :func:`account_detail` of the plan (per-account scores and tier changes);
    without it the score chart and the movement matrix are left empty.
    """
    p = _Plan(plan_dict, inputs)
    tool = plan_dict.get("tool") or {}
    ctx: dict = {
        "title": TITLE,
        "fiscal_year": str(plan_dict.get("fiscal_year", inputs.finance.fiscal_year)),
        "page_size": page_size if page_size in ("A4", "Letter") else "A4",
        "tool": f"{tool.get('name', 'TierPlan')} {tool.get('version', '')}".strip(),
        "source": plan_dict.get("source", ""),
        "mode_label": MODE_LABELS.get(p.mode, str(p.mode)),
        "solver_label": _solver_label(p.opt),
        "sections": SECTIONS,
        "toc": [(k, v) for k, v in SECTIONS.items() if k != "summary"],
    }
    detail = detail or {}
    ctx.update(_summary(p))
    ctx.update(_tiers(p))
    ctx.update(_engagement(p))
    ctx.update(_services(p))
    ctx.update(_headcount(p))
    ctx.update(_support(p))
    ctx.update(_frontier(p))
    ctx.update(_movers(p, detail))
    ctx.update(_gaps(p))
    ctx.update(_assumptions(p))
    ctx["method"] = _method(p)
    ctx["footer"] = (
        f"Prepared with {ctx['tool']} from {ctx['source'] or 'the planning workbook'}. Money is in {p.cur} per year unless a column says "
        "otherwise; every figure equals the matching value in plan.json."
    )
    ctx["charts"] = {key: ctx.pop(f"_chart_{key}") for key in ("arr_accounts", "cost_value", "headcount", "frontier", "scores")}
    return ctx


def account_detail(plan) -> dict:
    """Per-account data plan.json leaves out: [(tier, score)] and [(previous tier, tier)] of every account."""
    seg = getattr(plan, "segmentation", None)
    acc = getattr(seg, "accounts", None)
    if acc is None or "tier" not in getattr(acc, "columns", ()):
        return {}
    tiers = acc["tier"].astype(str).tolist()
    scores = acc["score"].astype(float).tolist() if "score" in acc.columns else []
    prev = acc["previous_tier"].tolist() if "previous_tier" in acc.columns else [None] * len(tiers)
    return {
        "scores": list(zip(tiers, scores)),
        "moves": [(p if isinstance(p, str) and p else None, t) for p, t in zip(prev, tiers)],
    }


def _solver_label(opt: Mapping) -> str:
    solver = (opt.get("solver") or "").lower()
    return {"highs": "HiGHS", "cbc": "CBC"}.get(solver, solver.upper() or "the optimizer")


# ----------------------------------------------------------------- 1 summary


def _summary(p: _Plan) -> dict:
    cur, s, opt, inf = p.cur, p.summary, p.opt, p.infeasibility
    solver = _solver_label(opt)
    details: list[str] = []
    ways_out: list[str] = []
    ways_intro = ""
    people = _sum(r.get("people") for r in p.headcount)
    if p.feasible:
        headline = f"The plan fits the budget: {fmt.money(p.total_cost, cur)} of {fmt.money(p.budget, cur)} ({fmt.of_budget(p.budget_used)})."
        if opt.get("proven_optimal"):
            details.append(f"{solver} proved this plan optimal.")
        elif opt.get("gap") is not None:
            details.append(f"{solver} stopped at its time limit with the best plan it had found, within {fmt.percent(opt.get('gap'), 2)} of the best possible.")
        else:
            details.append(f"{solver} stopped at its time limit with the best plan it had found; it is not proven optimal.")
    elif p.status == INFEASIBLE:
        smallest = inf.get("smallest_budget")
        shortfall = inf.get("budget_shortfall")
        conflicts = [c for c in inf.get("conflicts") or () if isinstance(c, Mapping)]
        budget_only = [c.get("requirement") for c in conflicts] == ["budget"]
        headline = f"No plan meets every requirement within the budget of {fmt.money(p.budget, cur)}."
        if smallest is not None:
            headline += f" The smallest budget that works is {fmt.money(smallest, cur)}"
            headline += f", {fmt.money(shortfall, cur)} more." if shortfall is not None else "."
        elif any(c.get("requirement") != "budget" for c in conflicts) or "No budget alone" in (inf.get("summary") or ""):
            headline += " No budget alone makes it possible: a requirement has to change."
        if conflicts and not budget_only:
            names = [str(c.get("description")) for c in conflicts if c.get("description")]
            details.append("These requirements cannot all be met together: " + "; ".join(names) + ".")
        elif not conflicts and inf.get("summary"):
            details.append(_sentence(_money_words(inf["summary"], cur)))
        slas = [str(x.get("description")) for x in inf.get("unreachable_slas") or () if isinstance(x, Mapping) and x.get("description")]
        if slas:
            details.append("No number of support agents meets these SLAs: " + "; ".join(slas) + ".")
        if p.has_plan:
            details.append(f"The figures below are the cheapest plan that meets every requirement. {_cost_parts(p, people)}")
        else:
            details.append("No intervals or headcount are planned; the tables below show the negotiated service levels and the tiering.")
        if inf.get("extra_headcount_total"):
            extra = [f"{fmt.count(n)} {k}" for k, n in (inf.get("extra_headcount") or {}).items()]
            ways_out.append(
                f"Keep the budget and fund {_plural(inf['extra_headcount_total'], 'more person', 'more people')} from elsewhere: "
                f"{_and(extra)}."
            )
        elif shortfall and "extra_headcount" in inf and inf.get("extra_headcount") is None:
            details.append("Extra people alone cannot close the gap at this budget: direct costs or guardrails stand in the way.")
        if p.mode == "min_cost" and shortfall:
            ways_out.append("Run in max_value mode, where intervals may move between their minimum and maximum, to see what to give "
                            "up to stay within the budget.")
        for r in inf.get("relaxations") or ():
            if r.get("description"):
                ways_out.append(_sentence(_money_words(r["description"], cur)))
        if inf.get("partial"):
            details.append("Some checks hit the solver's time limit, so this explanation may be incomplete.")
        if smallest is not None:
            ways_intro = "Another way to make a plan possible:" if len(ways_out) == 1 else "Other ways to make a plan possible (any one of them is enough):"
        else:
            ways_intro = "What would make a plan possible:" if len(ways_out) == 1 else "Any one of these would make a plan possible:"
    else:
        headline = f"No plan: the solver stopped ({p.status or 'no status'})."
        details.append(f"{solver} found no plan within the time limit of {fmt.quantity(opt.get('time_limit'), 0)} seconds. Raise the limit or try the other solver.")

    n_tiers = len(p.tiers)
    kpis = [
        {"label": "Annual CS budget", "value": fmt.money(p.budget, cur), "note": "Finance sheet" if not (p.d.get("options") or {}).get("budget") else "set on the command line"},
        {"label": "Planned cost", "value": fmt.money(p.total_cost, cur), "note": fmt.of_budget(p.budget_used) if p.budget_used is not None else "no plan"},
        {"label": "Expected ARR impact", "value": fmt.money(p.value, cur), "note": "retention and expansion the services buy"},
        {"label": "Assessed Service Value", "value": fmt.money(p.asv, cur), "note": f"service time and direct cost + {fmt.percent(p.margin, 0)} margin"},
        {"label": "People", "value": fmt.people(people) if p.has_plan else fmt.DASH, "note": "whole people, all roles"},
        {"label": "Accounts", "value": fmt.count(s.get("accounts")), "note": f"{fmt.money(s.get('arr'), cur)} ARR in {n_tiers} tiers"},
    ]
    text = f"{fmt.count(s.get('accounts'))} accounts holding {fmt.money(s.get('arr'), cur)} of ARR are placed in {n_tiers} tiers. "
    if p.has_plan:
        text += (
            f"{'Serving them as planned' if p.feasible else 'The cheapest plan that meets every requirement'} costs {fmt.money(p.total_cost, cur)} a year, "
            f"{fmt.of_budget(p.budget_used)} and {fmt.percent(_ratio(p.total_cost, s.get('arr')))} of ARR, with "
            f"{_plural(int(round(people)), 'person', 'people')}. The services are expected to protect or add {fmt.money(p.value, cur)} of ARR."
        )
        if p.asv is not None:
            own = p.asv / (1 + p.margin) if p.margin > -1 else None
            text += (
                f" Their Assessed Service Value is {fmt.money(p.asv, cur)}: the services' own time and direct cost "
                f"({fmt.money(own, cur)}) plus the {fmt.percent(p.margin, 0)} margin. It leaves out support staffing and the spare "
                f"hours of people hired whole or for coverage, which the {fmt.money(p.total_cost, cur)} includes."
            )
    else:
        text += "The services and commitments as they stand cannot be delivered; what would make a plan possible is listed above."
    trade = [_sentence(_money_words(t if isinstance(t, str) else (t.get("text") or ""), cur)) for t in list(opt.get("trade_offs") or ())[:3]]
    return {
        "status": {"feasible": p.feasible, "headline": headline, "details": details, "ways_out": ways_out, "ways_intro": ways_intro},
        "kpis": kpis,
        "summary_text": text,
        "people": _people_table(p),
        "trade_offs": trade,
        "trade_offs_heading": TRADE_OFF_HEADINGS.get(len(trade), "Trade-offs to decide on"),
        "no_trade_offs": (
            "No trade-offs were computed: there is no plan to vary." if not p.has_plan
            else "The sensitivity analysis found no limit whose change would move the plan materially."
        ),
    }


TRADE_OFF_HEADINGS = {1: "The trade-off to decide on", 2: "Two trade-offs to decide on", 3: "Three trade-offs to decide on"}


def _and(items: Sequence[str]) -> str:
    items = list(items)
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


def _money_words(text: str, cur: str) -> str:
    """Amounts the optimizer writes as "441,209 USD" in the report's money format ("$441,209")."""
    if not cur:
        return text
    return re.sub(rf"(?<![\d.,])(\d{{1,3}}(?:,\d{{3}})+|\d+)(\.\d+)? {re.escape(cur)}\b",
                  lambda m: fmt.money(float((m.group(1) + (m.group(2) or "")).replace(",", "")), cur), text)


def _cost_parts(p: _Plan, people: float) -> str:
    """"It costs X: N people at Y (support queues take Z of that) and W of direct service costs." from the cost breakdown."""
    cur = p.cur
    b = p.opt.get("cost_breakdown") or {}
    parts = []
    if b.get("people"):
        part = f"{_plural(int(round(people)), 'person', 'people')} at {fmt.money(b['people'], cur)}"
        if b.get("support"):
            part += f" (support queues take {fmt.money(b['support'], cur)} of that)"
        parts.append(part)
    if b.get("direct_services"):
        parts.append(f"{fmt.money(b['direct_services'], cur)} of direct service costs")
    if b.get("automated"):
        parts.append(f"{fmt.money(b['automated'], cur)} of automated programmes")
    head = f"It costs {fmt.money(p.total_cost, cur)}"
    return f"{head}: {_and(parts)}." if parts else f"{head}."


def _people_table(p: _Plan) -> dict:
    people = p.people()
    roles = [r.name for r in p.inputs.roles if any(k[0] == r.name and v > 0 for k, v in people.items())]
    shared = any(k[1] not in p.tiers and v > 0 for k, v in people.items())
    cols = [("Role", False)] + [(t, True) for t in p.tiers] + ([("Shared", True)] if shared else []) + [("Total", True)]

    def cell(v: float) -> str:
        return fmt.people(v) if v else fmt.DASH

    rows = []
    for role in roles:
        vals = [people.get((role, t), 0.0) for t in p.tiers]
        pool = sum(v for k, v in people.items() if k[0] == role and k[1] not in p.tiers)
        rows.append(_row(role, *[cell(v) for v in vals], *([cell(pool)] if shared else []), fmt.people(sum(vals) + pool)))
    tier_tot = [sum(people.get((r, t), 0.0) for r in roles) for t in p.tiers]
    pool_tot = sum(v for k, v in people.items() if k[1] not in p.tiers)
    rows.append(_row("Total", *[fmt.people(v) for v in tier_tot], *([fmt.people(pool_tot)] if shared else []),
                     fmt.people(sum(tier_tot) + pool_tot), total=True))
    note = "Named roles are hired per tier; pooled roles (Shared) serve every tier." if shared else ""
    if not p.has_plan:
        note = "No headcount is planned because no plan meets the requirements."
    return _table("People by role and tier", cols, rows, note=note)


# ----------------------------------------------------------------- 2 tiers


def _tiers(p: _Plan) -> dict:
    cur, seg = p.cur, p.seg
    bands = _by(seg.get("bands"), "tier")
    cut = seg.get("cutoffs") or {}
    changes = _by(seg.get("cutoff_changes"), "tier")
    total_arr = _sum(p.arr.get(t) for t in p.tiers)
    total_acc = int(_sum(p.accounts.get(t) for t in p.tiers))
    rows, arr_share, acc_share, band_list, defs = [], [], [], [], []
    for i, t in enumerate(p.inputs.tiers):
        b = bands.get(t.name, {})
        a_share = _ratio(p.arr.get(t.name, 0.0), total_arr) or 0.0
        n_share = _ratio(p.accounts.get(t.name, 0), total_acc) or 0.0
        met = bool(b.get("met", True))
        last = i == len(p.tiers) - 1
        rows.append(
            _row(
                t.name, t.engagement, fmt.count(p.accounts.get(t.name, 0)), fmt.amount(p.arr.get(t.name)),
                fmt.percent(a_share), fmt.percent(n_share),
                _band_text(b.get("band_basis", t.band_basis), b.get("band_min", t.band_min), b.get("band_max", t.band_max)),
                "Yes" if met else "No",
                fmt.DASH if last else _cut_text(cut.get(t.name)),
                flags=[False] * 7 + [not met, False],
            )
        )
        arr_share.append(a_share)
        acc_share.append(n_share)
        band_list.append((b.get("band_basis", t.band_basis), b.get("band_min", t.band_min), b.get("band_max", t.band_max)))
        text = _sentence(t.description) or "No description on the Tiers sheet."
        if not last and cut.get(t.name) is not None:
            text += f" Qualifies with a score of {_cut_text(cut[t.name])} or more out of 100, unless the re-tiering margin, a flag or a lock says otherwise."
            change = changes.get(t.name) or {}
            if change.get("previous_cutoff") is not None:
                if change.get("moved_by"):
                    text += " " + _sentence(change.get("why") or "")
                else:
                    text += " The cut-off is the one of the last assessment, kept because every band still holds with it."
        else:
            text += " Every account that does not reach a higher tier's cut-off."
        defs.append({"name": t.name, "text": text})
    rows.append(_row("Total", "", fmt.count(total_acc), fmt.amount(total_arr), fmt.percent(1.0 if total_arr else None),
                     fmt.percent(1.0 if total_acc else None), "", "", "", total=True))
    table = _table(
        f"Accounts and ARR per tier against the target bands (ARR in {p.cur})",
        [("Tier", False), ("Engagement", False), ("Accounts", True), ("ARR", True), ("Share of ARR", True),
         ("Share of accounts", True), ("Target band", False), ("In band", False), ("Score cut-off", True)],
        rows,
        widths=[13, 11, 9, 13, 9, 10, 17, 7, 11],
        note=seg.get("band_message") or "",
    )
    svg = charts.arr_and_accounts_by_tier(p.tiers, arr_share, acc_share, band_list)
    rules = seg.get("rules") or {}
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
        "_chart_arr_accounts": _figure("fig-arr-accounts", svg, "Figure 1. Share of ARR and of accounts per tier; the shaded range is the tier's target band."),
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
    parts = [f"{t} from {_cut_text(cut.get(t))}" for t in tiers[:-1] if cut.get(t) is not None]
    if not parts:
        return ""
    return f"The rule to put in the CRM: {', '.join(parts)}, otherwise {tiers[-1]}."


# ----------------------------------------------------------------- 3 engagement


def _engagement(p: _Plan) -> dict:
    people = p.people()
    costs = p.tier_costs()
    rows = []
    for t in p.inputs.tiers:
        named = []
        for r in p.inputs.roles:
            n = people.get((r.name, t.name), 0)
            if n and r.staffing == "Named":
                named.append(f"{r.name}: {fmt.people(n)}" + (f" (up to {fmt.count(r.max_accounts)} accounts each)" if r.max_accounts else ""))
        ivs = [iv for iv in p.inputs.intervals if iv.tier == t.name]
        delivered = sum(1 for iv in ivs if (p.planned(iv.service, t.name) or 0) > 0)
        rows.append(
            _row(t.name, t.engagement, ENGAGEMENT_MEANING.get(t.engagement, ""),
                 "; ".join(named) if named else "None: pooled or automated",
                 f"{delivered} of {len(ivs)}", fmt.quantity(costs[t.name]["hours_per_account"], 1))
        )
    return {
        "engagement_text": (
            "The engagement model says how a tier is served. High touch accounts get named people; mid touch accounts share a pool of CSMs; "
            f"low touch accounts are served mostly through automation and self-service. The hours are people-time per account per year at the "
            f"{p.interval_word} intervals."
        ),
        "engagement_table": _table(
            "Engagement model per tier",
            [("Tier", False), ("Model", False), ("What the customer experiences", False), ("Named people", False),
             ("Services delivered", True), ("Hours per account", True)],
            rows,
            widths=[11, 10, 37, 22, 10, 10],
        ),
    }


# ----------------------------------------------------------------- 4 services


def _services(p: _Plan) -> dict:
    cur = p.cur
    mult = 1.0 + p.margin
    n = len(p.tiers)
    mrows = []
    for s in p.inputs.services:
        cells = []
        for t in p.tiers:
            iv = p.inputs.interval(s.name, t)
            if iv is None:
                cells.append(fmt.DASH)
                continue
            x = p.planned(s.name, t)
            mark = "" if abs(x - iv.negotiated) < 1e-9 else (" \u2191" if x > iv.negotiated else " \u2193")
            cells.append(fmt.quantity(x) + mark)
        mrows.append(_row(s.name, *cells))
    legend = " (\u2191 / \u2193: above / below the negotiated interval)" if p.has_plan else " (negotiated: no plan was found)"
    matrix = _table(
        f"Occurrences per account per year{legend}",
        [("Service", False)] + [(t, True) for t in p.tiers],
        mrows,
        widths=[34] + [round(66 / n, 2)] * n,
        compact=n > 4,
    )
    tables = []
    costs = p.tier_costs()
    for t in p.tiers:
        rows = []
        tot_cost = tot_asv = 0.0
        for iv in (i for i in p.inputs.intervals if i.tier == t):
            x = p.planned(iv.service, t)
            per_occ = p.cost_per_occurrence(iv.service, t)
            annual = per_occ * x if per_occ is not None and x is not None else None
            asv = annual * mult if annual is not None else None
            tot_cost += annual or 0.0
            tot_asv += asv or 0.0
            rows.append(_row(iv.service, iv.role, fmt.quantity(iv.negotiated), fmt.quantity(x), fmt.quantity(iv.hours),
                             fmt.amount(per_occ), fmt.amount(annual), fmt.amount(asv)))
        rows.append(_row("Total per account", "", "", "", "", "", fmt.amount(tot_cost), fmt.amount(tot_asv), total=True))
        tables.append(
            _table(
                f"{t}: services per account ({cur} per year; {_plural(p.accounts.get(t, 0), 'account')})",
                [("Service", False), ("Delivered by", False), ("Negotiated per year", True),
                 ("Planned per year" if p.has_plan else "Used per year", True), ("Hours per occurrence", True),
                 ("Cost per occurrence", True), ("Annual cost per account", True), ("Assessed Service Value", True)],
                rows,
                widths=[25, 14, 9, 9, 9, 10, 12, 12],
                note=f"People-time per account: {fmt.quantity(costs[t]['hours_per_account'], 1)} hours a year.",
            )
        )
    svg = charts.cost_vs_value_by_tier(p.tiers, [costs[t]["cost"] for t in p.tiers], [costs[t]["asv"] for t in p.tiers], _chart_symbol(cur))
    return {
        "services_text": (
            f"How often each tier receives each service, what one occurrence costs and what a year of it is worth per account. "
            f"Cost per occurrence is the hours times the delivering role's hourly rate (loaded annual cost divided by productive hours), "
            f"plus any direct cost. Assessed Service Value is the annual cost times (1 + the {fmt.percent(p.margin, 0)} profit margin)."
        ),
        "interval_matrix": matrix,
        "service_tables": tables,
        "_chart_cost_value": _figure(
            "fig-cost-value", svg,
            f"Figure 2. Cost to serve and Assessed Service Value per tier, all accounts of the tier, at the {p.interval_word} intervals.",
        ),
    }


# ----------------------------------------------------------------- 5 headcount and cost


def _headcount(p: _Plan) -> dict:
    cur = p.cur
    rows = []
    for r in p.headcount:
        rows.append(_row(r.get("role"), r.get("tier"), r.get("staffing"), fmt.people(r.get("people")),
                         fmt.count(r.get("hours_needed")), fmt.count(r.get("hours_capacity")),
                         fmt.percent(r.get("utilisation"), 0), r.get("set_by") or fmt.DASH, fmt.amount(r.get("cost"))))
    rows.append(_row("Total", "", "", fmt.people(_sum(r.get("people") for r in p.headcount)), fmt.count(_sum(r.get("hours_needed") for r in p.headcount)),
                     fmt.count(_sum(r.get("hours_capacity") for r in p.headcount)), "", "", fmt.amount(_sum(r.get("cost") for r in p.headcount)), total=True))
    hc_table = _table(
        f"People per role and tier ({cur} per year)",
        [("Role", False), ("Tier", False), ("Staffing", False), ("People", True), ("Hours needed", True),
         ("Hours available", True), ("Busy", True), ("Set by", False), ("Cost", True)],
        rows,
        widths=[17, 11, 10, 8, 11, 11, 8, 12, 12],
        note="Hours needed include support queues. Set by: whether the workload or the coverage ratio (accounts per person) decides the number.",
    )
    people = p.people()
    roles = [r.name for r in p.inputs.roles if any(k[0] == r.name and v > 0 for k, v in people.items())]
    fte = [[people.get((role, t), 0.0) for t in p.tiers] for role in roles]
    shared = [sum(v for k, v in people.items() if k[0] == role and k[1] not in p.tiers) for role in roles]
    svg = charts.headcount_by_role_and_tier(roles, p.tiers, fte, shared)

    cb = p.opt.get("cost_breakdown") or {}
    crows = [_row(f"People: {role}", fmt.amount(v), fmt.percent(_ratio(v, cb.get("total")))) for role, v in (cb.get("people_by_role") or {}).items() if v]
    if cb:
        crows.append(_row("Direct service costs", fmt.amount(cb.get("direct_services")), fmt.percent(_ratio(cb.get("direct_services"), cb.get("total")))))
        crows.append(_row("Automated services", fmt.amount(cb.get("automated")), fmt.percent(_ratio(cb.get("automated"), cb.get("total")))))
        crows.append(_row("Total cost", fmt.amount(p.total_cost), fmt.percent(_ratio(p.total_cost, cb.get("total"))), total=True))
        crows.append(_row("Budget", fmt.amount(p.budget), fmt.percent(p.budget_used) + " used" if p.budget_used is not None else ""))
    cost_table = _table(
        f"Where the money goes ({cur} per year)",
        [("Item", False), ("Cost", True), ("Share", True)],
        crows,
        widths=[50, 25, 25],
        note=(f"Of the people cost, {fmt.money(cb.get('support'), cur)} is time spent on support queues." if cb.get("support") else ""),
    )

    costs = p.tier_costs()
    trows = []
    for t in p.inputs.tiers:
        c = costs[t.name]
        share = _ratio(c["cost"], p.arr.get(t.name))
        over = t.max_cost_share is not None and share is not None and share > t.max_cost_share + 1e-9
        trows.append(_row(t.name, fmt.count(p.accounts.get(t.name, 0)), fmt.amount(p.arr.get(t.name)), fmt.amount(c["cost"]),
                          fmt.amount(_ratio(c["cost"], p.accounts.get(t.name))), fmt.percent(share),
                          fmt.percent(t.max_cost_share, 0) if t.max_cost_share is not None else fmt.DASH,
                          fmt.amount(c["asv"]), fmt.amount(c["impact"]), flags=[False] * 5 + [over, False, False, False]))
    tier_table = _table(
        f"Cost to serve and value per tier at the {p.interval_word} intervals ({cur} per year)",
        [("Tier", False), ("Accounts", True), ("ARR", True), ("Cost to serve", True), ("Per account", True), ("% of ARR", True),
         ("Guardrail", True), ("Assessed Service Value", True), ("Expected ARR impact", True)],
        trows,
        widths=[12, 9, 13, 12, 10, 9, 10, 13, 12],
        note=(
            "Cost to serve prices people's time at the hourly rate, plus direct costs. Rounding to whole people, spare capacity and "
            "support queues are in the role table above, so the tiers add up to less than the total cost. Guardrail: the most a tier's "
            "CS cost may be as a share of its ARR."
        ),
    )
    return {
        "headcount_text": (
            "Named roles are hired for one tier and carry a book of accounts; pooled roles are shared by every tier. The plan hires the "
            "fewest whole people that cover both the hours the services and support queues need and the coverage ratio. "
            "A person costs the loaded annual cost on the Roles sheet."
        ),
        "headcount_table": hc_table,
        "cost_table": cost_table,
        "tier_cost_table": tier_table,
        "_chart_headcount": _figure("fig-headcount", svg, "Figure 3. People by role, split by the tier they serve; pooled people in grey."),
    }


# ----------------------------------------------------------------- 6 support


def _support(p: _Plan) -> dict:
    srows = [
        _row(sla.tier, sla.severity, sla.channel, fmt.duration_seconds(sla.target_seconds), fmt.percent(sla.service_level, 0),
             fmt.quantity(sla.tickets_per_account_month, 2), fmt.quantity(sla.handle_minutes, 1), sla.role)
        for sla in p.inputs.slas
    ]
    sla_table = _table(
        "Support commitments per tier (SLAs sheet)",
        [("Tier", False), ("Severity", False), ("Channel", False), ("First response within", True), ("Answered in time", True),
         ("Tickets per account per month", True), ("Handle time (min)", True), ("Handled by", False)],
        srows,
        widths=[12, 10, 12, 12, 11, 13, 11, 19],
    )
    rows, notes = [], []
    for r in p.opt.get("support") or ():
        live = r.get("rostered_agents") is not None
        rows.append(_row(r.get("tier"), r.get("channel"), r.get("severity"), r.get("role"), fmt.number(r.get("tickets_per_month"), 1),
                         fmt.number(r.get("agents_needed"), 1) if not live else fmt.count(r.get("agents_needed")),
                         fmt.count(r.get("rostered_agents")) if live else fmt.DASH, fmt.count(r.get("hours_per_year")),
                         fmt.percent(r.get("service_level_target"), 0), fmt.percent(r.get("service_level_achieved"), 1), fmt.amount(r.get("cost"))))
        if r.get("note"):
            notes.append(f"{r.get('tier')}, {r.get('channel')}: {_sentence(r['note'])}")
    support_table = _table(
        f"Support staffing that meets the SLAs ({p.cur} per year)",
        [("Tier", False), ("Channel", False), ("Severities", False), ("Role", False), ("Tickets per month", True),
         ("Agents busy", True), ("Rostered", True), ("Hours per year", True), ("Target", True), ("Achieved", True), ("Cost", True)],
        rows,
        widths=[9, 10, 11, 10, 9, 8, 8, 9, 8, 8, 10],
        compact=True,
        note=" ".join(notes),
    )
    f = p.inputs.finance
    return {
        "support_text": (
            f"Chat and phone are live queues, staffed with the Erlang C queueing model over {fmt.quantity(f.live_hours, 0)} open hours a month: "
            f"the fewest agents on shift that answer the target share of contacts in time, with each agent busy at most "
            f"{fmt.percent(f.occupancy_cap, 0)} of the time; they need those agents for every open hour (rostered: with {fmt.percent(f.shrinkage, 0)} "
            "shrinkage, the agents to schedule so that many are available; productive hours already leave that time out). Email and ticket queues "
            "are a backlog: they get the hours to clear the month's volume at that occupancy. Achieved is the share of live contacts answered "
            "within the target at that staffing; the support hours are part of the role's workload in the headcount."
        ),
        "sla_table": sla_table,
        "support_table": support_table,
    }


# ----------------------------------------------------------------- 7 frontier and shadow prices


def _frontier(p: _Plan) -> dict:
    cur = p.cur
    pts = sorted(p.opt.get("frontier") or (), key=lambda r: r.get("budget") or 0.0)
    smallest = p.infeasibility.get("smallest_budget")
    svg = charts.budget_frontier(
        [r.get("budget") for r in pts], [r.get("value") for r in pts],
        p.budget, p.total_cost if p.has_plan else None, p.value if p.has_plan else None,
        _chart_symbol(cur), "Expected ARR impact", smallest,
    )
    frows = [
        _row(fmt.percent(r.get("budget_share"), 0), fmt.amount(r.get("budget")), r.get("status") or "", fmt.amount(r.get("value")),
             fmt.amount(r.get("cost")), fmt.percent(r.get("budget_used_share")),
             {True: "Yes", False: "No"}.get(r.get("negotiated_plan_fits"), fmt.DASH))
        for r in pts
    ]
    ftable = _table(
        f"Budget frontier ({cur} per year)",
        [("Share of budget", True), ("Budget", True), ("Result", False), ("Expected ARR impact", True), ("Cost", True),
         ("Budget used", True), ("Negotiated plan fits", False)],
        frows,
        widths=[10, 15, 20, 16, 15, 11, 13],
        row_header=False,
    )
    shrows = []
    for r in p.opt.get("shadow_prices") or ():
        shrows.append(_row(r.get("constraint"), _marginal(r), _step(r, cur), fmt.amount(r.get("step_gain")), r.get("meaning") or ""))
    gain = "value gained" if p.mode == "max_value" else "cost saved"
    stable = _table(
        "Shadow prices and tested changes",
        [("Limit", False), ("Shadow price", True), ("Change tested", True), (f"Re-solved: {gain}", True), ("What it means", False)],
        shrows,
        widths=[23, 12, 13, 13, 39],
        compact=True,
    )
    binding = list(p.opt.get("binding_constraints") or ())
    brows = [_row(b.get("constraint"), b.get("detail")) for b in binding[:BINDING_SHOWN]]
    btable = _table(
        f"Limits that hold the plan back ({min(len(binding), BINDING_SHOWN)} of {len(binding)})",
        [("Limit", False), ("Why it binds", False)],
        brows,
        widths=[32, 68],
        compact=True,
        note="The full list is on the Sensitivity sheet of tier_plan_results.xlsx." if len(binding) > BINDING_SHOWN else "",
    )
    return {
        "frontier_text": (
            "The plan was re-solved for the most expected ARR impact at budgets from 60% to 140% of the budget on the Finance sheet. "
            "The curve shows what each extra dollar buys and where spending more stops paying; where it is missing, no plan meets the "
            "requirements at that budget. The diamond is this plan, at what it costs."
        ),
        "frontier_table": ftable,
        "shadow_text": (
            "A shadow price is what one more unit of a limit (a dollar of budget, an hour of a role) is worth to the plan, read from the "
            "linear relaxation of the model. Because people are hired whole, each limit was also tested by re-solving the whole plan with a "
            "realistic change, such as one more person; that gain is the one to act on."
        ),
        "shadow_table": stable if any(r.get("marginal") is not None or r.get("step_gain") is not None
                                      for r in p.opt.get("shadow_prices") or ()) else None,
        "binding_table": btable,
        "_chart_frontier": _figure("fig-frontier", svg, "Figure 4. Budget frontier: the most expected ARR impact a plan can reach at each budget."),
    }


def _marginal(r: Mapping) -> str:
    m = r.get("marginal")
    if m is None:
        return fmt.DASH
    per = r.get("per") or ""
    return f"{fmt.number(m, 3 if per == 'dollar' else 2)} per {per}" if per else fmt.number(m, 3)


def _step(r: Mapping, cur: str) -> str:
    size, unit = r.get("step"), r.get("step_unit")
    if size is None:
        return fmt.DASH
    if unit == "money":
        return f"+{fmt.money(size, cur)}"
    if unit == "person":
        return f"+{fmt.quantity(size)} person"
    return f"{fmt.quantity(size)} {unit or ''}".strip()


# ----------------------------------------------------------------- 8 movers and drift


def _movers(p: _Plan, detail: Mapping) -> dict:
    cur, seg = p.cur, p.seg
    mv = seg.get("movers") or {}
    up, down = int(mv.get("up") or 0), int(mv.get("down") or 0)
    new = int(seg.get("new_accounts") or 0)
    moves = detail.get("moves") or ()
    counts: dict = defaultdict(int)
    for prev, tier in moves:
        counts[(prev if prev in p.tiers else None, tier)] += 1
    mrows = [_row(f"From {t}", *[fmt.count(counts.get((t, u), 0)) for u in p.tiers]) for t in p.tiers]
    mrows.append(_row("New or unknown before", *[fmt.count(counts.get((None, u), 0)) for u in p.tiers]))
    movement = _table(
        "Accounts by previous tier (rows) and new tier (columns); the diagonal stayed put",
        [("Previous tier", False)] + [(f"To {t}", True) for t in p.tiers],
        mrows,
        widths=[28] + [round(72 / len(p.tiers), 2)] * len(p.tiers),
    )
    mover_cols = [("Account", False), ("ID", False), ("ARR", True), ("From", False), ("To", False), ("Score", True), ("Why", False)]
    mover_widths = [17, 11, 10, 8, 8, 7, 39]

    def mover_rows(records):
        return [_row(m.get("name"), m.get("account_id"), fmt.amount(m.get("arr")), m.get("previous_tier") or "new", m.get("tier"),
                     _cut_text(m.get("score")), m.get("reason")) for m in list(records or ())[:MOVERS_SHOWN]]

    up_table = _table(f"Largest moves up, by ARR ({min(up, MOVERS_SHOWN)} of {fmt.count(up)}; ARR in {cur})", mover_cols,
                      mover_rows(mv.get("top_up")), widths=mover_widths, compact=True)
    down_table = _table(f"Largest moves down, by ARR ({min(down, MOVERS_SHOWN)} of {fmt.count(down)}; ARR in {cur})", mover_cols,
                        mover_rows(mv.get("top_down")), widths=mover_widths, compact=True,
                        note="Every mover is on the Movers sheet of tier_plan_results.xlsx." if up + down > 2 * MOVERS_SHOWN else "")
    drift = seg.get("drift") or {}
    top = list(drift.get("top") or ())[:DRIFT_SHOWN]
    drows = [_row(r.get("name"), r.get("account_id"), fmt.amount(r.get("arr")), r.get("tier"), _cut_text(r.get("previous_score")),
                  _cut_text(r.get("score")), fmt.number(r.get("score_change"), 2), r.get("flag") or "") for r in top]
    drift_table = _table(
        f"Largest score changes since the last assessment (ARR in {cur})",
        [("Account", False), ("ID", False), ("ARR", True), ("Tier", False), ("Previous score", True), ("Score", True),
         ("Change", True), ("Watch", False)],
        drows,
        widths=[20, 12, 11, 9, 10, 9, 9, 20],
        compact=True,
    )
    flagged = drift.get("flagged") or {}
    flag_text = "; ".join(f"{k}: {fmt.count(v)}" for k, v in sorted(flagged.items(), key=lambda kv: -kv[1]))
    by_tier = {t: [] for t in p.tiers}
    for tier, score in detail.get("scores") or ():
        if tier in by_tier and score == score:
            by_tier[tier].append(score)
    cut = seg.get("cutoffs") or {}
    svg = charts.score_distribution([by_tier[t] for t in p.tiers], p.tiers, [(t, cut.get(t)) for t in p.tiers[:-1] if cut.get(t) is not None])
    margin = seg.get("margin", p.inputs.finance.retier_margin)
    return {
        "movers_text": (
            f"{_plural(up + down, 'account')} change tier in this assessment: {fmt.count(up)} move up and {fmt.count(down)} move down; "
            f"{fmt.count(new)} have no previous tier and are placed for the first time. An account with a previous tier moves only when its "
            f"score clears a cut-off by at least the re-tiering margin of {fmt.quantity(margin, 2)} points, so accounts near a boundary do not "
            "flip back and forth between assessments. Accounts flagged at risk of churn are placed one tier up until the flag is cleared."
        ),
        "movement_table": movement,
        "movers_up_table": up_table,
        "movers_down_table": down_table,
        "drift_text": (
            f"Drift is a change in score since the last assessment of at least {fmt.quantity(drift.get('threshold'), 1)} points, worth a look even "
            f"where the account has not changed tier. " + (f"Flagged: {flag_text}." if flag_text else "")
        ),
        "drift_table": drift_table,
        "_chart_scores": _figure("fig-scores", svg, "Figure 5. Composite scores of all accounts, coloured by final tier, with the score cut-offs."),
    }


# ----------------------------------------------------------------- 9 data gaps


def _gaps(p: _Plan) -> dict:
    gaps = list(p.seg.get("data_gaps") or ())
    rows = [
        _row(g.get("item"), g.get("pillar") or fmt.DASH, fmt.count(g.get("accounts")), fmt.percent(g.get("share_of_accounts")),
             g.get("examples") or "", g.get("assumed") or "")
        for g in gaps
    ]
    table = _table(
        "Missing or unusable values in the CRM export",
        [("Column", False), ("Pillar", False), ("Accounts", True), ("Share", True), ("For example", False), ("How the plan handled it", False)],
        rows,
        widths=[14, 13, 9, 8, 19, 37],
        compact=True,
    )
    n = len(p.inputs.accounts)
    text = f"The CRM export holds {_plural(n, 'account')}. " + (
        "No value the plan uses is missing." if not gaps
        else "Gaps are normal in a CRM export. The table lists what was missing and what the plan assumed instead, so the CRM owner "
        "can fill the gaps before the next assessment."
    )
    notes = [str(x) for x in (p.d.get("notes") or ())] + [str(x) for x in (p.seg.get("notes") or ())] + [str(x) for x in (p.opt.get("notes") or ())]
    return {"gaps_text": text, "gaps_table": table, "notes": notes}


# ----------------------------------------------------------------- 10 assumptions


def _assumptions(p: _Plan) -> dict:
    f, cur, inputs = p.inputs.finance, p.cur, p.inputs
    frows = []
    for st in schema.FINANCE.settings:
        v = getattr(f, st.key)
        if v is None:
            text = fmt.DASH
        elif st.kind == schema.CURRENCY:
            text = fmt.money(v, cur)
        elif st.kind == schema.PERCENT:
            text = fmt.percent(v, 1)
        elif isinstance(v, float):
            text = fmt.quantity(v, 2)
        else:
            text = str(v)
        frows.append(_row(st.label, text, st.unit))
    opts = p.d.get("options") or {}
    overrides = [k for k in ("mode", "solver", "budget", "time_limit") if opts.get(k) is not None]
    tables = [
        _table(
            "Finance and planning settings (Finance sheet)", [("Setting", False), ("Value", True), ("Unit", False)], frows,
            widths=[45, 25, 30],
            note=("Set on the command line for this run, in place of the sheet: " + ", ".join(f"{k} = {opts[k]}" for k in overrides)) if overrides else "",
        ),
        _table(
            "Tiers (Tiers sheet)",
            [("Tier", False), ("Engagement", False), ("Band basis", False), ("Band min", True), ("Band max", True),
             ("Max CS cost % of ARR", True), ("Description", False)],
            [_row(t.name, t.engagement, t.band_basis, fmt.percent(t.band_min, 0), fmt.percent(t.band_max, 0),
                  fmt.percent(t.max_cost_share, 0) if t.max_cost_share is not None else fmt.DASH, t.description) for t in inputs.tiers],
            widths=[12, 11, 9, 8, 8, 10, 42],
        ),
        _table(
            f"Roles (Roles sheet; {cur})",
            [("Role", False), ("Staffing", False), ("Loaded annual cost", True), ("Productive hours", True),
             ("Max accounts per person", True), ("Hourly rate", True)],
            [_row(r.name, r.staffing, fmt.amount(r.loaded_cost), fmt.quantity(r.productive_hours, 0),
                  fmt.count(r.max_accounts) if r.max_accounts else fmt.DASH, fmt.amount(r.hourly_rate, 2)) for r in inputs.roles],
            widths=[26, 12, 16, 14, 16, 16],
        ),
        _table(
            f"Service catalog (Services sheet; {cur})",
            [("Service", False), ("Definition", False), ("Delivered by", False), ("Direct cost", True), ("Mandatory", False),
             ("Impact", True), ("Decay", True), ("Keep order", False)],
            [_row(s.name, s.definition, s.role, fmt.amount(s.direct_cost), "Yes" if s.mandatory else "No",
                  fmt.percent(s.impact, 2), fmt.percent(s.decay, 0), "Yes" if s.keep_order else "No") for s in inputs.services],
            widths=[17, 35, 12, 9, 8, 7, 6, 6],
            compact=True,
            note="Impact: expected retention or expansion effect of the first occurrence, as a share of the account's ARR; each further "
                 "occurrence in a year is worth the decay share of the one before.",
        ),
        _table(
            "Intervals (Intervals sheet): occurrences per account per year",
            [("Service", False), ("Tier", False), ("Delivered by", False), ("Hours per occurrence", True), ("Minimum", True),
             ("Negotiated", True), ("Maximum", True)],
            [_row(iv.service, iv.tier, iv.role, fmt.quantity(iv.hours), fmt.quantity(iv.minimum), fmt.quantity(iv.negotiated),
                  fmt.quantity(iv.maximum)) for iv in inputs.intervals],
            widths=[30, 13, 17, 10, 10, 10, 10],
            compact=True,
        ),
        _table(
            "Scoring rules (Scoring sheet)",
            [("Pillar", False), ("Account column", False), ("Weight", True), ("Direction", False)],
            [_row(r.pillar, r.header or r.column, fmt.quantity(r.weight), "Higher raises tier" if r.direction > 0 else "Lower raises tier")
             for r in inputs.scoring],
            widths=[28, 32, 12, 28],
        ),
    ]
    return {
        "assumptions_text": (
            "Everything the plan was computed from, as read from the workbook, so each figure can be checked. The support commitments "
            "are in the SLA section."
        ),
        "assumption_tables": tables,
    }


# ----------------------------------------------------------------- 11 method


def _method(p: _Plan) -> list[dict]:
    f = p.inputs.finance
    seg = p.seg
    strategic = seg.get("strategic_tier") or f.strategic_tier
    return [
        {
            "title": "1. Scoring the accounts",
            "paragraphs": [
                "Each account gets a score from 0 to 100. Revenue counts, but so do four pillars: how fast the account could grow, what it is "
                "worth beyond its invoice (a reference, a design partner), how much effort it takes to serve, and how healthy and mature its "
                "use of the product is. The Scoring sheet says which CRM columns feed each pillar, with what weight and in which direction.",
                "Each column is turned into a rank among all accounts, so a column in dollars and one in percent count on the same scale and "
                "one very large account does not flatten everyone else. A blank is never read as zero: the account is scored on the signals it "
                "has, and the gap is listed in the data gaps section.",
            ],
        },
        {
            "title": "2. Placing accounts in tiers",
            "paragraphs": [
                "The score cut-offs are chosen so that each tier's share of ARR, or of accounts, falls inside its band, filling the tiers from the "
                "highest score down. Accounts with the same score always land in the same tier, so the rule can be typed into the CRM as it stands.",
                f"Then the re-tiering margin of {fmt.quantity(seg.get('margin', f.retier_margin), 2)} points keeps accounts near a boundary where "
                f"they were; accounts flagged strategic are placed no lower than {strategic or 'the strategic tier'}; accounts flagged at risk of "
                "churn get one tier more attention; and a locked tier overrides everything, with its reason quoted.",
            ],
        },
        {
            "title": "3. Pricing each service",
            "paragraphs": [
                "One occurrence of a service costs the hours it takes times the hourly rate of the role that delivers it, plus any direct cost "
                "such as travel or tools. Times the occurrences per year, that is the annual cost per account. The Assessed Service Value adds "
                f"the {fmt.percent(f.margin, 0)} profit margin to that cost: annual cost x (1 + margin), the reading of the source method's "
                "cost-times-interval-times-margin formula that keeps value above cost.",
            ],
        },
        {
            "title": "4. Choosing intervals and headcount",
            "paragraphs": [
                "An integer optimisation model chooses how often each tier receives each service, within the minimum and maximum on the "
                "Intervals sheet, and how many whole people each role needs. Named roles are hired per tier and must cover both the hours and "
                "the book of accounts each person can carry; pooled roles serve every tier. Mandatory services never fall below the negotiated "
                "interval, a higher tier never receives less of a service than a lower one where the catalog asks for that, and each tier's "
                "cost stays under its guardrail. Support queues add their hours to the role that staffs them.",
                (
                    "In min_cost mode the model delivers the negotiated intervals at the lowest total cost."
                    if p.mode == "min_cost" else
                    "In max_value mode the model buys the most expected ARR impact the budget allows, each further occurrence of a service in a "
                    "year being worth a little less than the one before; among plans of equal impact it takes the cheapest."
                ),
                f"{_solver_label(p.opt)} solved the model. The frontier re-solves it at other budgets; the shadow prices come from its linear "
                "relaxation and each tested change from a full re-solve. When the requirements cannot all hold, the model finds which ones "
                "conflict and the smallest budget, or the fewest extra people, that would make a plan possible.",
            ],
        },
        {
            "title": "5. What to keep in mind",
            "paragraphs": [
                "The plan is as good as its inputs. Costs, hours, intervals and impacts are estimates typed into the workbook, and the CRM export "
                "has the gaps listed above. Re-run the plan after each quarterly review of the accounts and after any change to the service "
                "catalog, the SLAs or the budget.",
            ],
        },
    ]
