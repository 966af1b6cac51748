"""The Summary sheet: the negotiated package's headline, tiers, package per tier, people, support and assumptions.

Its blocks (:data:`HEADLINE_ROWS`, :data:`TIER_COLUMNS`, :data:`PACKAGE_TIER_COLUMNS`, the
assumption lines) and where they sit (:func:`summary_layout`) are declared here with the
formulas that fill them; the figures come from the Placement and Package sheets' names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from planner import schema
from planner.workbook import guide
from planner.workbook.summary_formulas.layout import PEOPLE_NAME, PLAN_COST_NAME, VERDICT_NAME, K, Sizes
from planner.workbook.summary_formulas.refs import a1, a1_abs, put_formula

if TYPE_CHECKING:
    from planner.workbook.summary_formulas.writer import Writer


HEADLINE_ROWS = (
    ("budget", "Annual CS budget", schema.MONEY_FORMAT, ""),
    ("cost", "Negotiated package: total cost", schema.MONEY_FORMAT,
     "Whole people per role, direct and automated costs and support staffed from the SLAs, at the negotiated intervals: "
     "what tierplan optimize --mode min_cost prices."),
    ("share", "Share of the budget", schema.PERCENT_FORMAT, ""),
    ("left", "Left in the budget (negative: over it)", schema.MONEY_FORMAT, ""),
    ("people", "People", "#,##0", "Named roles are counted per tier, pooled roles across the tiers they serve (table below)."),
    ("verdict", "Does the package fit?", "@", ""),
    ("service", "Service time and direct cost only", schema.MONEY_FORMAT,
     "The tier table below: each service's hours at its role's hourly rate plus its direct costs. Whole people, books of "
     "accounts and support staffing make the difference to the package's cost."),
)

#: Per-tier table: (key, header, number format).
TIER_COLUMNS = (
    ("tier", "Tier", "@"),
    ("accounts", "Accounts in the plan", "#,##0"),
    ("previous", "With this previous tier", "#,##0"),
    ("new", "New, placed here by score", "#,##0"),
    ("arr", "ARR", schema.MONEY_FORMAT),
    ("annual_cost_per_account", "Annual cost per account", schema.MONEY_FORMAT),
    ("asv_per_account", "Assessed Service Value per account", schema.MONEY_FORMAT),
    ("hours_per_account", "Hours per account", "#,##0.0"),
    ("cost_to_serve", "Service time and direct cost", schema.MONEY_FORMAT),
    ("assessed_value", "Assessed Service Value", schema.MONEY_FORMAT),
    ("cost_share_of_arr", "Service cost % of ARR", schema.PERCENT_FORMAT),
)

#: Package per tier: (key, header, number format, Package tier column).
PACKAGE_TIER_COLUMNS = (
    ("tier", "Tier", "@", None),
    ("named_people", "Named people", "#,##0", "named_people"),
    ("named_cost", "Named people cost", schema.MONEY_FORMAT, "named_cost"),
    ("shared_cost", "Pooled hours, automated and direct cost", schema.MONEY_FORMAT, "shared_cost"),
    ("cost", "CS cost of the tier", schema.MONEY_FORMAT, "cost"),
    ("share", "CS cost % of ARR", schema.PERCENT_FORMAT, "share"),
    ("guard", "Max CS cost % of ARR", schema.PERCENT_FORMAT, "guard"),
    ("within", "Within guardrail", "@", "within"),
)

SUMMARY_WIDTHS = (26, 12, 12, 12, 13, 13, 14, 12, 14, 14, 12, 12)
ASSUMPTION_KEYS = ("accounts", "cutoffs", "intervals", "people", "support", "limits")
ASSUMPTION_LABELS = {
    "accounts": "Accounts", "cutoffs": "Cut-offs", "intervals": "Intervals", "people": "People", "support": "Support",
    "limits": "Limits",
}
ASSUMPTION_TEXT = {
    "intervals": (
        "Each service is delivered at its negotiated interval, rounded up to its step and never below its minimum. Where a "
        "service keeps tier order, a higher tier is raised to the nearest lower tier that offers the service; a tier whose "
        "maximum is 0 does not offer it and is skipped. Nothing is delivered above that: this is the cheapest way to deliver "
        "the package."),
    "people": (
        "People are hired whole. Named roles: per tier, the larger of hours needed / productive hours and the tier's accounts / "
        "max accounts per person (when the role serves the tier). Pooled roles: the same across every tier they serve. "
        "Automated roles cost their hours at the hourly rate."),
    "support": (
        "Chat and phone: Erlang C, the fewest agents on shift that answer every severity's share within its target with "
        "occupancy at most the cap; they need agents x open hours a year. Email/ticket: volume x handle time / occupancy cap. "
        "Those hours are divided by productive hours like every other task: productive hours already leave out time off, "
        "breaks and meetings, so shrinkage is not added again."),
}


def queue_count(content) -> int:
    """Support queues of a content: SLA rows grouped by tier, channel and role."""
    keys = {(str(r.get("tier", "")).lower(), str(r.get("channel", "")).lower(), str(r.get("role", "")).lower()) for r in content.slas}
    return len(keys)


def summary_layout(content) -> dict:
    """Where the Summary's blocks are (0-based rows) for a content."""
    sizes = Sizes.of(content)
    head = 4
    headline = {key: head + 1 + i for i, (key, _, _, _) in enumerate(HEADLINE_ROWS)}
    tier_header = headline["service"] + 3
    tier_first = tier_header + 1
    tier_total = tier_first + K
    pt_header = tier_total + 3
    pt_first = pt_header + 1
    pt_total = pt_first + K
    pt_pooled = pt_total + 1
    role_header = pt_pooled + 3
    role_first = role_header + 1
    role_direct = role_first + sizes.roles
    role_total = role_direct + 1
    queue_rows = min(sizes.slas, queue_count(content) + 4)
    queue_header = role_total + 3
    queue_first = queue_header + 1
    queue_total = queue_first + queue_rows
    assume_header = queue_total + 2
    assumptions = {key: assume_header + 1 + i for i, key in enumerate(ASSUMPTION_KEYS)}
    return {
        "headline_heading": head, "headline": headline, "tier_header": tier_header, "tier_first": tier_first,
        "tier_total": tier_total, "package_tier_header": pt_header, "package_tier_first": pt_first,
        "package_tier_total": pt_total, "package_tier_pooled": pt_pooled, "role_header": role_header,
        "role_first": role_first, "role_rows": sizes.roles, "role_direct": role_direct, "role_total": role_total,
        "queue_header": queue_header, "queue_first": queue_first, "queue_rows": queue_rows, "queue_total": queue_total,
        "assumptions_header": assume_header, "assumptions": assumptions, "n_tiers": K,
    }


def write(w: Writer, ws) -> dict:
    """The Summary: the package's headline, the tiers at the negotiated intervals, the package per tier, people per role,
    support, and what the sheet assumes."""
    T, I = schema.TIERS, schema.INTERVALS
    lay = summary_layout(w.content)
    w.title(
        ws, "Summary",
        "The negotiated package priced as the plan prices it: every account in the tier the plan gives it, whole people per "
        "role, support from the SLAs. Formulas only: they follow every edit (the working is on Placement, Package and Erlang).",
    )
    for j, width in enumerate(SUMMARY_WIDTHS):
        ws.set_column(j, j, width)
    last_col = len(SUMMARY_WIDTHS) - 1
    heading = w.f("title", font_size=13)
    label = w.f("label", bold=True)
    note = w.f("label", font_color="#404040", italic=True)
    text = w.f("formula", "@")
    wrap = w.f("label", text_wrap=True)
    budget = schema.FINANCE.setting("budget").name

    # ---- headline
    ws.write_string(lay["headline_heading"], 0, "The negotiated package, priced as the plan prices it", heading)
    hl = lay["headline"]
    cell = lambda key: a1(hl[key], 3)
    cost_cell = cell("cost")
    headline = {
        "budget": f'=IF(ISNUMBER({budget}),{budget},"")',
        "cost": "=pk_total",
        "share": f'=IF(AND(ISNUMBER({budget}),{budget}>0),{cost_cell}/{budget},"")',
        "left": f'=IF(ISNUMBER({budget}),{budget}-{cost_cell},"")',
        "people": "=pk_people",
        "verdict": (f'=IF(pk_fail_count=0,IF(ISNUMBER({budget}),"Yes: it fits the budget and every requirement.",'
                    f'"No budget on the Finance sheet yet; every other requirement holds."),'
                    f'"No: "&IF(pk_fail_count=1,"this requirement fails: ","these requirements fail: ")&pk_fails&".")'),
        "service": "=" + a1(lay["tier_total"], [k for k, _, _ in TIER_COLUMNS].index("cost_to_serve")),
    }
    for key, text_label, numfmt, line in HEADLINE_ROWS:
        r = hl[key]
        ws.merge_range(r, 0, r, 2, text_label, label)
        bold = key in ("cost", "verdict")
        fmt = w.f("total" if bold else "formula", numfmt, **({"text_wrap": True} if key == "verdict" else {}))
        if key == "verdict":
            ws.merge_range(r, 3, r, last_col, "", fmt)
            put_formula(ws, r, 3, headline[key], fmt)
            ws.set_row(r, 46)
        else:
            put_formula(ws, r, 3, headline[key], fmt)
            if line:
                ws.merge_range(r, 4, r, last_col, line, note)
                if guide.estimated_lines(line, sum(SUMMARY_WIDTHS[4:])) > 1:
                    ws.set_row(r, 15 * guide.estimated_lines(line, sum(SUMMARY_WIDTHS[4:])) + 1)
    w.book.define_name(PLAN_COST_NAME, f"={schema.SUMMARY_SHEET}!{a1_abs(hl['cost'], 3)}")
    w.book.define_name(PEOPLE_NAME, f"={schema.SUMMARY_SHEET}!{a1_abs(hl['people'], 3)}")
    w.book.define_name(VERDICT_NAME, f"={schema.SUMMARY_SHEET}!{a1_abs(hl['verdict'], 3)}")
    red = w.book.add_format({"font_color": "#9C0006", "bg_color": "#FFC7CE"})
    green = w.book.add_format({"font_color": "#006100", "bg_color": "#C6EFCE"})
    ws.conditional_format(hl["share"], 3, hl["share"], 3, {"type": "cell", "criteria": ">", "value": 1, "format": red})
    ws.conditional_format(hl["left"], 3, hl["left"], 3, {"type": "cell", "criteria": "<", "value": 0, "format": red})
    ws.conditional_format(hl["verdict"], 3, hl["verdict"], 3, {"type": "text", "criteria": "begins with", "value": "No:", "format": red})
    ws.conditional_format(hl["verdict"], 3, hl["verdict"], 3, {"type": "text", "criteria": "begins with", "value": "Yes", "format": green})

    # ---- tiers at the negotiated intervals
    ws.write_string(lay["tier_header"] - 1, 0, "Tiers at the negotiated intervals: accounts as the plan places them", heading)
    w.headers(ws, lay["tier_header"], [h for _, h, _ in TIER_COLUMNS])
    cols = {key: j for j, (key, _, _) in enumerate(TIER_COLUMNS)}
    c = lambda key, r: a1(r, cols[key])
    tier_col = w.col(T, "name")
    it_tier = w.col(I, "tier")
    for k in range(1, K + 1):
        r = lay["tier_first"] + k - 1
        t = "$" + c("tier", r)
        f = {
            "tier": f'=IF(ROWS({tier_col})>={k},INDEX({tier_col},{k})&"","")',
            "accounts": f'=IF({t}="","",INDEX(pl_planned,{k}))',
            "previous": f'=IF({t}="","",INDEX(pl_previous,{k}))',
            "new": f'=IF({t}="","",INDEX(pl_new,{k}))',
            "arr": f'=IF({t}="","",INDEX(pl_planned_arr,{k}))',
            "annual_cost_per_account": f'=IF({t}="","",SUMIF({it_tier},{t},{w.col(I, "annual_cost")}))',
            "asv_per_account": f'=IF({t}="","",SUMIF({it_tier},{t},{w.col(I, "asv")}))',
            "hours_per_account": f'=IF({t}="","",SUMPRODUCT(({it_tier}={t})*{w.col(I, "hours")}*{w.col(I, "negotiated")}))',
            "cost_to_serve": f'=IF({t}="","",{c("accounts", r)}*{c("annual_cost_per_account", r)})',
            "assessed_value": f'=IF({t}="","",{c("accounts", r)}*{c("asv_per_account", r)})',
            "cost_share_of_arr": f'=IF({t}="","",IF({c("arr", r)}>0,{c("cost_to_serve", r)}/{c("arr", r)},""))',
        }
        for key, _, numfmt in TIER_COLUMNS:
            put_formula(ws, r, cols[key], f[key], w.f("formula", numfmt))
    tr, top, bottom = lay["tier_total"], lay["tier_first"], lay["tier_first"] + K - 1
    for key, _, numfmt in TIER_COLUMNS:
        j = cols[key]
        fmt = w.f("total", numfmt)
        if key == "tier":
            ws.write_string(tr, j, "Total", fmt)
        elif key in ("accounts", "previous", "new", "arr", "cost_to_serve", "assessed_value"):
            put_formula(ws, tr, j, f"=SUM({a1(top, j)}:{a1(bottom, j)})", fmt)
        elif key == "cost_share_of_arr":
            put_formula(ws, tr, j, f'=IF({c("arr", tr)}>0,{c("cost_to_serve", tr)}/{c("arr", tr)},"")', fmt)
        else:
            ws.write_blank(tr, j, None, fmt)

    # ---- the package per tier (what the guardrails are checked on)
    ws.write_string(lay["package_tier_header"] - 1, 0, "The package per tier: CS cost as the plan checks it against the guardrails", heading)
    w.headers(ws, lay["package_tier_header"], [h for _, h, _, _ in PACKAGE_TIER_COLUMNS])
    for k in range(1, K + 1):
        r = lay["package_tier_first"] + k - 1
        t = "$" + a1(r, 0)
        for j, (key, _, numfmt, src) in enumerate(PACKAGE_TIER_COLUMNS):
            if key == "tier":
                formula = f"={c('tier', lay['tier_first'] + k - 1)}"
            else:
                formula = f'=IF({t}="","",INDEX(pk_t_{src},{k}))'
            put_formula(ws, r, j, formula, w.f("formula", numfmt))
    ptr, ptop, pbot = lay["package_tier_total"], lay["package_tier_first"], lay["package_tier_first"] + K - 1
    for j, (key, _, numfmt, _) in enumerate(PACKAGE_TIER_COLUMNS):
        fmt = w.f("total", numfmt)
        if key == "tier":
            ws.write_string(ptr, j, "Total of the tiers", fmt)
        elif key in ("named_people", "named_cost", "shared_cost", "cost"):
            put_formula(ws, ptr, j, f"=SUM({a1(ptop, j)}:{a1(pbot, j)})", fmt)
        else:
            ws.write_blank(ptr, j, None, fmt)
    pr = lay["package_tier_pooled"]
    cost_j = [k for k, _, _, _ in PACKAGE_TIER_COLUMNS].index("cost")
    ws.merge_range(pr, 0, pr, cost_j - 1, "Pooled roles hired whole, beyond the hours counted in the tiers", label)
    put_formula(ws, pr, cost_j, f"={cost_cell}-{a1(ptr, cost_j)}", w.f("formula", schema.MONEY_FORMAT))
    ws.merge_range(pr, cost_j + 1, pr, last_col, "With the tiers' total this is the package's cost.", note)
    wcol = [k for k, _, _, _ in PACKAGE_TIER_COLUMNS].index("within")
    ws.conditional_format(ptop, wcol, pbot, wcol, {"type": "cell", "criteria": "==", "value": '"Over"', "format": red})

    # ---- people per role
    ws.write_string(lay["role_header"] - 1, 0, "People per role", heading)
    hf = w.f("header")
    ws.write_string(lay["role_header"], 0, "Role", hf)
    ws.write_string(lay["role_header"], 1, "Staffing", hf)
    for k in range(1, K + 1):
        put_formula(ws, lay["role_header"], 1 + k, f'=IF({k}<=ROWS(TierList),INDEX(TierList,{k})&"","")', hf)
    ws.write_string(lay["role_header"], 2 + K, "All tiers (pooled)", hf)
    ws.write_string(lay["role_header"], 3 + K, "People", hf)
    ws.write_string(lay["role_header"], 4 + K, "Cost", hf)
    ws.write_string(lay["role_header"], 5 + K, "Set by", hf)
    ws.set_row(lay["role_header"], 45)
    integer = w.f("formula", "#,##0")
    money = w.f("formula", schema.MONEY_FORMAT)
    for i in range(1, w.sizes.roles + 1):
        r = lay["role_first"] + i - 1
        role = a1(r, 0, col_abs=True)
        staffing = a1(r, 1, col_abs=True)
        put_formula(ws, r, 0, f"=INDEX(pk_r_role,{i})", text)
        put_formula(ws, r, 1, f'=IF({role}="","",INDEX(pk_r_staffing,{i}))', text)
        for k in range(1, K + 1):
            unit = (i - 1) * K + k  # blank where the role may not serve the tier
            put_formula(ws, r, 1 + k, (f'=IF(OR({role}="",{staffing}<>"Named",{k}>ROWS(TierList)),"",'
                                       f'IF(INDEX(pk_u_may,{unit})=1,INDEX(pk_u_people,{unit}),""))'), integer)
        put_formula(ws, r, 2 + K, f'=IF({staffing}="Pooled",INDEX(pk_r_people,{i}),"")', integer)
        put_formula(ws, r, 3 + K, f'=IF({role}="","",INDEX(pk_r_people,{i}))', integer)
        put_formula(ws, r, 4 + K, (f'=IF({role}="","",IF({staffing}="Automated",SUMIF(pk_c_role_n,{i},pk_c_automated)'
                                    f'+SUMIF(pk_q_role_n,{i},pk_q_automated),INDEX(pk_r_cost,{i})))'), money)
        put_formula(ws, r, 5 + K, f'=IF({role}="","",INDEX(pk_r_set_by,{i}))', text)
    rd, rt = lay["role_direct"], lay["role_total"]
    ws.merge_range(rd, 0, rd, 3 + K, "Direct service costs", label)
    put_formula(ws, rd, 4 + K, "=pk_direct", money)
    ws.write_string(rt, 0, "Total", w.f("total", "@"))
    for j in range(1, 6 + K):
        if j == 3 + K:
            put_formula(ws, rt, j, "=pk_people", w.f("total", "#,##0"))
        elif j == 4 + K:
            put_formula(ws, rt, j, f"=SUM({a1(lay['role_first'], j)}:{a1(rd, j)})", w.f("total", schema.MONEY_FORMAT))
        else:
            ws.write_blank(rt, j, None, w.f("total"))

    # ---- support
    ws.write_string(lay["queue_header"] - 1, 0, "Support staffed from the SLAs", heading)
    w.headers(ws, lay["queue_header"], ["Tier", "Channel", "Handled by", "Tickets per month", "Agents on shift (chat, phone)", "Hours per year",
                                           "Cost at the hourly rate"])
    for q in range(1, lay["queue_rows"] + 1):
        r = lay["queue_first"] + q - 1
        at = f"MATCH({q},pk_q_number,0)"
        val = lambda key: f'=IFERROR(INDEX(pk_q_{key},{at}),"")'
        put_formula(ws, r, 0, val("tier"), text)
        put_formula(ws, r, 1, val("channel"), text)
        put_formula(ws, r, 2, val("role"), text)
        put_formula(ws, r, 3, val("queue_volume"), w.f("formula", "#,##0.0"))
        put_formula(ws, r, 4, val("agents"), integer)
        put_formula(ws, r, 5, val("hours"), integer)
        put_formula(ws, r, 6, val("cost"), money)
    qt = lay["queue_total"]
    ws.write_string(qt, 0, "Total", w.f("total", "@"))
    for j in range(1, 7):
        if j == 5:
            put_formula(ws, qt, j, '=SUMIF(pk_q_first,1,pk_q_hours)', w.f("total", "#,##0"))
        elif j == 6:
            put_formula(ws, qt, j, "=pk_support_cost", w.f("total", schema.MONEY_FORMAT))
        else:
            ws.write_blank(qt, j, None, w.f("total"))
    ws.merge_range(qt, 7, qt, last_col, "Support hours are part of their role's workload: its whole people above carry them.", note)

    # ---- what the sheet assumes
    ah = lay["assumptions_header"]
    ws.write_string(ah, 0, "What this sheet assumes", heading)
    cut_list = "&".join(
        f'IF({k}<pl_k,IF({k}>1,", ","")&INDEX(TierList,{k})&" from "&FIXED(INDEX(pl_cuts,{k})/100,2),"")' for k in range(1, K))
    dynamic = {
        "accounts": ('="All "&FIXED(pl_n,0)&" accounts are counted, each in the tier the plan will give it (sheet Placement). "'
                     '&FIXED(SUM(pl_new),0)&" have no previous tier on the Tiers sheet ("&FIXED(SUM(pl_new_arr),0)&" of ARR): they are '
                     'placed by their score. The others keep their previous tier unless their score is more than the re-tiering '
                     'margin ("&FIXED(pl_m/100,2)&" points) past a cut-off; an account whose ARR reaches a tier\'s ARR guardrail (Tiers '
                     'sheet) then sits no lower than that tier, and strategic, churn-risk and locked accounts follow '
                     'their flags, as in tierplan segment."'),
        "cutoffs": (f'=IF(pl_trust=1,"Check: the previous tiers follow one score cut-off per tier, so the plan keeps the last '
                    f'assessment\'s cut-offs where the bands allow, while this sheet fits them afresh: its counts may differ from the '
                    f'plan\'s. tierplan segment gives the exact tiers.",IF(pl_stdok=0,"Check: the cut-offs fitted to the bands here '
                    f'miss a band; the plan then moves them where other cut-offs meet every band, so its counts may differ. tierplan '
                    f'segment gives the exact tiers.","Score cut-offs fitted to the bands, as the plan fits them when the previous tiers '
                    f'do not follow one cut-off per tier: "&{cut_list}&"."))'),
        "limits": ('=IF(pk_limits="","Every row of this workbook\'s tables is counted.","Check: "&pk_limits&"those rows are left '
                   'out of these figures.")'),
    }
    for key in ASSUMPTION_KEYS:
        r = lay["assumptions"][key]
        ws.write_string(r, 0, ASSUMPTION_LABELS[key], label)
        body = ASSUMPTION_TEXT.get(key)
        ws.merge_range(r, 1, r, last_col, "", wrap)
        if body is not None:
            ws.write_string(r, 1, body, wrap)
            lines = guide.estimated_lines(body, sum(SUMMARY_WIDTHS[1:]))
        else:
            put_formula(ws, r, 1, dynamic[key], wrap)
            lines = {"accounts": 4, "cutoffs": 3, "limits": 2}[key]
        ws.set_row(r, 15 * max(lines, 1) + 2)
    ws.freeze_panes(3, 1)
    ws.hide_gridlines(2)
    return lay
