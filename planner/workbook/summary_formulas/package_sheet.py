"""The Package sheet: the min_cost plan of the negotiated intervals, priced by formulas.

Each cell at its negotiated interval rounded up to its step (never below the minimum), raised
by keep tier order to the nearest lower tier that offers the service; whole people per named
role and tier and per pooled role; direct and automated costs; support queues from the SLAs
(their agents come from the Erlang sheet); each tier's CS cost against its guardrail; and the
totals, with one text naming every requirement that fails.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xlsxwriter.utility import xl_col_to_name

from planner import schema
from planner.workbook.summary_formulas.layout import ER_FIRST, ERLANG_ROWS, ERLANG_SHEET, PACKAGE_SHEET, STEPS, TOTALS, K, erlang_col
from planner.workbook.summary_formulas.refs import a1, a1_abs, ceil, put_formula, span

if TYPE_CHECKING:
    from planner.workbook.summary_formulas.writer import Writer


def write(w: Writer, ws) -> None:
    T, SV, I, R, Q = schema.TIERS, schema.SERVICES, schema.INTERVALS, schema.ROLES, schema.SLAS
    pk, name = w.pk, PACKAGE_SHEET
    w.title(
        ws, "Package",
        "The negotiated package priced as tierplan optimize --mode min_cost prices it: the intervals each tier receives, whole "
        "people per role, direct and automated costs, support from the SLAs, guardrails and what fails.",
        "Formulas only (used by the Summary). Accounts per tier come from the Placement sheet.",
    )
    fin = {s.key: s.name for s in schema.FINANCE.settings}
    c_first, c_last = pk.cell_first, pk.cell_last
    u_first, u_last = pk.unit_first, pk.unit_last
    q_first, q_last = pk.queue_first, pk.queue_last
    cc, uc, rc, qc, tc = pk.cell_col, pk.unit_col, pk.role_col, pk.queue_col, pk.tier_col
    nm = {}
    for key in ("k", "role_n", "cap", "x", "load", "direct", "automated", "attributed", "fails", "accounts"):
        nm["c_" + key] = w.name(f"pk_c_{key}", span(name, cc[key], c_first, c_last))
    for key in ("i", "k", "staffing", "may", "serves", "accounts", "people", "cost", "service_hours", "support_hours", "cover_sets"):
        nm["u_" + key] = w.name(f"pk_u_{key}", span(name, uc[key], u_first, u_last))
    for key in ("role", "staffing", "people", "cost", "set_by"):
        nm["r_" + key] = w.name(f"pk_r_{key}", span(name, rc[key], pk.role_first, pk.role_last))
    for key in ("key", "first", "number", "tier_n", "role_n", "volume", "level", "hours", "attributed", "automated", "fails",
                "tier", "channel", "role", "queue_volume", "agents", "traffic", "cost"):
        nm["q_" + key] = w.name(f"pk_q_{key}", span(name, qc[key], q_first, q_last))
    for key in ("fails", "cost", "share", "within", "named_people", "named_cost", "shared_cost", "guard"):
        nm["t_" + key] = w.name(f"pk_t_{key}", span(name, tc[key], pk.tier_first, pk.tier_first + K - 1))
    totals = {}
    for i, (key, n, _label) in enumerate(TOTALS):
        totals[key] = w.name(n, f"{name}!{a1_abs(pk.total_first + i, 1)}")

    money = w.f("formula", schema.MONEY_FORMAT)
    num = w.f("formula", "#,##0.##")
    integer = w.f("formula", "#,##0")
    pct = w.f("formula", schema.PERCENT_FORMAT)
    text = w.f("formula", "@")
    wrap = w.f("formula", "@", text_wrap=True)
    label = w.f("label", bold=True)
    heading = w.f("title", font_size=12)

    # ---- tiers: accounts, CS cost and guardrail
    ws.write_string(pk.tier_header - 1, 0, "Tiers: CS cost as the plan counts it for the guardrail", heading)
    w.headers(ws, pk.tier_header, ["#", "Tier", "Accounts", "ARR", "Max CS cost % of ARR", "Named people",
                                      "Named people cost", "Other cost of the tier (by hours)", "CS cost", "CS cost % of ARR",
                                      "Within guardrail", "Fails"])
    guard_col = w.col(T, "max_cost_share")
    for k in range(1, K + 1):
        r = pk.tier_first + k - 1
        R_ = r + 1
        cell = lambda key: f"{xl_col_to_name(tc[key])}{R_}"
        t = cell("tier")
        ws.write_number(r, tc["k"], k, w.f("formula", "0"))
        f = {
            "tier": f'=IF({k}<=ROWS(TierList),INDEX(TierList,{k})&"","")',
            "accounts": f'=IF({t}="",0,INDEX(pl_planned,{k}))',
            "arr": f'=IF({t}="",0,INDEX(pl_planned_arr,{k}))',
            "guard": f'=IF({t}="","",IF(ISNUMBER(INDEX({guard_col},{k})),INDEX({guard_col},{k}),""))',
            "named_people": f'=IF({t}="",0,SUMIFS(pk_u_people,pk_u_k,{k},pk_u_staffing,"Named"))',
            "named_cost": f'=IF({t}="",0,SUMIFS(pk_u_cost,pk_u_k,{k},pk_u_staffing,"Named"))',
            "shared_cost": f'=IF({t}="",0,SUMIF(pk_c_k,{k},pk_c_attributed)+SUMIFS(pk_q_attributed,pk_q_tier_n,{k},pk_q_first,1))',
            "cost": f'=IF({t}="",0,{cell("named_cost")}+{cell("shared_cost")})',
            "share": f'=IF(OR({t}="",{cell("arr")}<=0),"",{cell("cost")}/{cell("arr")})',
            "within": (f'=IF(OR({t}="",{cell("guard")}=""),"",IF({cell("cost")}<={cell("guard")}*{cell("arr")}*(1+1E-9)+1E-6,'
                       f'"Yes","Over"))'),
            "fails": (f'=IF({cell("within")}="Over",{t}&": CS cost "&FIXED({cell("cost")},0)&IF({cell("arr")}>0," ("&FIXED(100*{cell("share")},1)&"% of ARR)","")'
                      f'&", above its "&FIXED(100*{cell("guard")},1)&"% guardrail ("&FIXED({cell("guard")}*{cell("arr")},0)&")","")'),
        }
        fm = {"arr": money, "guard": pct, "named_cost": money, "shared_cost": money, "cost": money, "share": pct,
              "tier": text, "within": text, "fails": wrap, "accounts": integer, "named_people": integer}
        for key, formula in f.items():
            put_formula(ws, r, tc[key], formula, fm[key])

    # ---- services x tiers
    ws.write_string(pk.cell_header - 1, 0, "Services x tiers: the intervals the plan delivers", heading)
    w.headers(ws, pk.cell_header, [
        "Service #", "Tier #", "Service", "Tier", "Intervals row", "Delivered by", "Role #", "Staffing", "Hours per occurrence",
        "Minimum", "Negotiated", "Maximum", "Step", "Most on the step", "Floor (negotiated, on the step)", "Offered (1/0)",
        "Keep tier order (1/0)", "Delivered per year", "Nearest lower tier offering it: per year", "Accounts",
        "Hours (accounts x hours x per year)", "Direct cost", "Automated roles' cost", "Cost counted in the tier", "Fails"])
    svc_col = w.col(SV, "name")
    it_service, it_tier = w.col(I, "service"), w.col(I, "tier")
    for s in range(1, w.sizes.services + 1):
        for k in range(1, K + 1):
            r = c_first + (s - 1) * K + k - 1
            R_ = r + 1
            cell = lambda key: f"{xl_col_to_name(cc[key])}{R_}"
            nxt = lambda key: f"{xl_col_to_name(cc[key])}{R_ + 1}"
            row = cell("row")
            iv = lambda key: f"INDEX({w.col(I, key)},{row})"
            mn, ng, mx, stp = cell("minimum"), cell("negotiated"), cell("maximum"), cell("step")
            checks = []
            for d in STEPS:
                checks.append("AND(" + ",".join(f"ABS({v}/{d}-ROUND({v}/{d},0))<=1E-7" for v in (mn, ng, mx)) + ")")
            step_f = "0.01"
            for d, chk in reversed(list(zip(STEPS, checks))):
                step_f = f"IF({chk},{d},{step_f})"
            carry_next = nxt("carry") if k < K else "0"
            rate = f"INDEX({w.col(R, 'hourly_rate')},{cell('role_n')})"
            up = lambda v: f"ROUND({ceil(f'({v})/{stp}')}*{stp},10)"
            f = {
                "service": f'=IF({s}>ROWS({svc_col}),"",INDEX({svc_col},{s})&"")',
                "tier": f'=IF(OR({cell("service")}="",{k}>ROWS(TierList)),"",INDEX(TierList,{k})&"")',
                "row": (f'=IF({cell("tier")}="",0,SUMPRODUCT(({it_service}={cell("service")})*({it_tier}={cell("tier")})'
                        f'*(ROW({it_service})-ROW(INDEX({it_service},1))+1)))'),
                "role": (f'=IF({row}=0,"",IF({iv("role")}&""<>"",{iv("role")}&"",INDEX({w.col(SV, "role")},{s})&""))'),
                "role_n": f'=IF({cell("role")}="",0,IFERROR(MATCH({cell("role")},RoleList,0),0))',
                "staffing": f'=IF({cell("role_n")}=0,"",INDEX({w.col(R, "staffing")},{cell("role_n")})&"")',
                "hours": f'=IF({row}=0,0,N({iv("hours")}))',
                "minimum": f'=IF({row}=0,0,N({iv("minimum")}))',
                "negotiated": f'=IF({row}=0,0,N({iv("negotiated")}))',
                "maximum": f'=IF({row}=0,0,N({iv("maximum")}))',
                "step": f"={step_f}",
                "cap": f'=IF({row}=0,0,ROUND(INT({mx}/{stp}+1E-9)*{stp},10))',
                "floor": f'=IF({row}=0,0,MAX({up(mn)},{up(ng)}))',
                "offers": f'=IF(AND({row}>0,{cell("cap")}>0),1,0)',
                "keep": f'=IF({row}=0,0,IF(INDEX({w.col(SV, "keep_order")},{s})="Yes",1,0))',
                "x": (f'=IF({row}=0,0,IF(AND({cell("offers")}=1,{cell("keep")}=1),{up("MAX(" + cell("floor") + "," + carry_next + ")")},'
                      f'{cell("floor")}))'),
                "carry": f'=IF({cell("offers")}=1,{cell("x")},{carry_next})',
                "accounts": f'=IF({cell("tier")}="",0,INDEX(pl_planned,{k}))',
                "load": f'={cell("hours")}*{cell("accounts")}*{cell("x")}',
                "direct": f'=IF({row}=0,0,N(INDEX({w.col(SV, "direct_cost")},{s}))*{cell("accounts")}*{cell("x")})',
                "automated": f'=IF({cell("staffing")}="Automated",{cell("hours")}*{rate}*{cell("accounts")}*{cell("x")},0)',
                "attributed": (f'=IF({row}=0,0,(N(INDEX({w.col(SV, "direct_cost")},{s}))+IF({cell("staffing")}<>"Named",'
                               f'{cell("hours")}*{rate},0))*{cell("accounts")}*{cell("x")})'),
                "fails": (f'=IF({row}=0,"",IF({cell("floor")}>{cell("cap")}+1E-9,{cell("service")}&" in "&{cell("tier")}&": at least "'
                          f'&{cell("floor")}&" a year, above its maximum "&{mx},IF({cell("x")}>{cell("cap")}+1E-9,{cell("service")}'
                          f'&": keep tier order needs "&{cell("tier")}&" at "&{cell("x")}&" a year, above its maximum "&{mx},"")))'),
            }
            ws.write_number(r, cc["s"], s, w.f("formula", "0"))
            ws.write_number(r, cc["k"], k, w.f("formula", "0"))
            fm = {"service": text, "tier": text, "role": text, "staffing": text, "fails": wrap, "load": num,
                  "direct": money, "automated": money, "attributed": money, "row": integer, "role_n": integer,
                  "accounts": integer}
            for key, formula in f.items():
                put_formula(ws, r, cc[key], formula, fm.get(key, num))

    # ---- people pools: each role in each tier
    ws.write_string(pk.unit_header - 1, 0, "Roles x tiers: hours, accounts served and named people", heading)
    w.headers(ws, pk.unit_header, ["Role #", "Tier #", "Role", "Staffing", "Tier", "Service hours", "Support hours",
                                      "May serve (1/0)", "Serves (1/0)", "Accounts", "People by hours (named)",
                                      "People by coverage (named)", "People (named)", "Cost (named)",
                                      "Coverage sets it (1/0)"])
    role_list = w.col(R, "name")
    for i in range(1, w.sizes.roles + 1):
        rr = pk.role_first + i - 1 + 1  # Excel row of the role in the roles block
        for k in range(1, K + 1):
            r = u_first + (i - 1) * K + k - 1
            R_ = r + 1
            cell = lambda key: f"{xl_col_to_name(uc[key])}{R_}"
            role_cell = lambda key: f"${xl_col_to_name(rc[key])}${rr}"
            hours = f'({cell("service_hours")}+{cell("support_hours")})'
            named = f'AND({cell("staffing")}="Named",{cell("may")}=1)'
            f = {
                "role": f'=IF({i}>ROWS({role_list}),"",INDEX({role_list},{i})&"")',
                "staffing": f'=IF({cell("role")}="","",INDEX({w.col(R, "staffing")},{i})&"")',
                "tier": f'=IF(OR({cell("role")}="",{k}>ROWS(TierList)),"",INDEX(TierList,{k})&"")',
                "service_hours": f'=IF({cell("tier")}="",0,SUMIFS(pk_c_load,pk_c_role_n,{i},pk_c_k,{k}))',
                "support_hours": f'=IF({cell("tier")}="",0,SUMIFS(pk_q_hours,pk_q_role_n,{i},pk_q_tier_n,{k},pk_q_first,1))',
                "may": (f'=IF({cell("tier")}="",0,IF(OR(COUNTIFS(pk_c_role_n,{i},pk_c_k,{k},pk_c_cap,">0")>0,'
                        f'{cell("support_hours")}>0),1,0))'),
                "serves": (f'=IF({cell("may")}=0,0,IF(OR(COUNTIFS(pk_c_role_n,{i},pk_c_k,{k},pk_c_x,">0")>0,'
                           f'{cell("support_hours")}>0),1,0))'),
                "accounts": f'=IF({cell("tier")}="",0,INDEX(pl_planned,{k}))',
                "by_hours": (f'=IF(AND({named},{hours}>1E-9),IF({role_cell("productive")}>0,{ceil(hours + "/" + role_cell("productive"))},'
                             f'1073741824),0)'),
                "by_cover": (f'=IF(AND({named},{role_cell("ratio")}>0,{cell("accounts")}>0,{cell("serves")}=1),'
                             f'{ceil(cell("accounts") + "/" + role_cell("ratio"))},0)'),
                "people": f'=IF({named},MAX({cell("by_hours")},{cell("by_cover")}),0)',
                "cost": f'={cell("people")}*{role_cell("loaded")}',
                "cover_sets": f'=IF(AND({cell("people")}>0,{cell("by_cover")}>{cell("by_hours")}),1,0)',
            }
            ws.write_number(r, uc["i"], i, w.f("formula", "0"))
            ws.write_number(r, uc["k"], k, w.f("formula", "0"))
            fm = {"role": text, "staffing": text, "tier": text, "cost": money, "service_hours": num, "support_hours": num}
            for key, formula in f.items():
                put_formula(ws, r, uc[key], formula, fm.get(key, integer))

    # ---- roles
    ws.write_string(pk.role_header - 1, 0, "Roles: whole people (named per tier, pooled across the tiers they serve)", heading)
    w.headers(ws, pk.role_header, ["Role #", "Role", "Staffing", "Loaded annual cost", "Productive hours per year",
                                      "Max accounts per person", "Hourly rate", "Hours needed", "Accounts of the tiers it may serve",
                                      "Accounts of the tiers it serves", "People by hours", "People by coverage", "People", "Cost",
                                      "Set by", "Automated cost (support)"])
    for i in range(1, w.sizes.roles + 1):
        r = pk.role_first + i - 1
        R_ = r + 1
        cell = lambda key: f"{xl_col_to_name(rc[key])}{R_}"
        role = cell("role")
        rv = lambda key: f"INDEX({w.col(R, key)},{i})"
        pooled = f'{cell("staffing")}="Pooled"'
        f = {
            "role": f'=IF({i}>ROWS({role_list}),"",INDEX({role_list},{i})&"")',
            "staffing": f'=IF({role}="","",{rv("staffing")}&"")',
            "loaded": f'=IF({role}="",0,N({rv("loaded_cost")}))',
            "productive": f'=IF({role}="",0,N({rv("productive_hours")}))',
            "ratio": f'=IF({role}="",0,IF(ISNUMBER({rv("max_accounts")}),{rv("max_accounts")},0))',
            "rate": f'=IF({role}="",0,N({rv("hourly_rate")}))',
            "hours": f'=IF({role}="",0,SUMIFS(pk_u_service_hours,pk_u_i,{i},pk_u_may,1)+SUMIFS(pk_u_support_hours,pk_u_i,{i},pk_u_may,1))',
            "may_accounts": f'=IF({role}="",0,SUMIFS(pk_u_accounts,pk_u_i,{i},pk_u_may,1))',
            "covered": f'=IF({role}="",0,SUMIFS(pk_u_accounts,pk_u_i,{i},pk_u_may,1,pk_u_serves,1))',
            "by_hours": (f'=IF(AND({pooled},{cell("hours")}>1E-9),IF({cell("productive")}>0,{ceil(cell("hours") + "/" + cell("productive"))},'
                         f'1073741824),0)'),
            "by_cover": (f'=IF(AND({pooled},{cell("ratio")}>0,{cell("may_accounts")}>0,{cell("covered")}>0),'
                         f'{ceil(cell("covered") + "/" + cell("ratio"))},0)'),
            "people": (f'=IF({cell("staffing")}="Named",SUMIF(pk_u_i,{i},pk_u_people),IF(AND({pooled},COUNTIFS(pk_u_i,{i},pk_u_may,1)>0),'
                       f'MAX({cell("by_hours")},{cell("by_cover")}),0))'),
            "cost": f'={cell("people")}*{cell("loaded")}',
            "set_by": (f'=IF({cell("people")}=0,"",IF({cell("staffing")}="Named",IF(COUNTIFS(pk_u_i,{i},pk_u_cover_sets,1)>0,'
                       f'"coverage ratio","hours"),IF({cell("by_cover")}>{cell("by_hours")},"coverage ratio","hours")))'),
            "automated": f'=IF({cell("staffing")}="Automated",SUMIF(pk_q_role_n,{i},pk_q_automated),0)',
        }
        ws.write_number(r, rc["i"], i, w.f("formula", "0"))
        fm = {"role": text, "staffing": text, "loaded": money, "rate": w.f("formula", schema.MONEY2_FORMAT), "hours": num,
              "cost": money, "set_by": text, "automated": money}
        for key, formula in f.items():
            put_formula(ws, r, rc[key], formula, fm.get(key, integer))

    # ---- support queues, one row per SLA row (the first row of each tier, channel and role carries the queue)
    ws.write_string(pk.queue_header - 1, 0, "Support: one queue per tier, channel and handling role", heading)
    w.headers(ws, pk.queue_header, [
        "SLA row", "Tier", "Severity", "Channel", "Target (seconds)", "Tickets per account per month", "Handle minutes",
        "Service level", "Handled by", "Queue", "First row of its queue (1/0)", "Queue #", "Tier #", "Role #", "Accounts",
        "Tickets per month (row)", "Tickets per month (queue)", "Handle minutes (queue)", "Arrivals per open hour", "Traffic (Erlangs)",
        "Live (1/0)", "A 100% target (1/0)", "Fewest agents allowed by occupancy", "Agents on shift", "Hours per year",
        "Cost at the hourly rate", "Cost counted in the tier", "Automated cost", "Unreachable (1/0)", "Fails"])
    sla = lambda key, j: f"INDEX({w.col(Q, key)},{j})"
    oc, lh = fin["occupancy_cap"], fin["live_hours"]
    er_ok_first = ER_FIRST + 1
    for j in range(1, w.sizes.slas + 1):
        r = q_first + j - 1
        R_ = r + 1
        cell = lambda key: f"{xl_col_to_name(qc[key])}{R_}"
        t = cell("tier")
        unit = sla("target_unit", j)
        key_col = xl_col_to_name(qc["key"])
        first_col = xl_col_to_name(qc["first"])
        start = f"MAX(INT({cell('traffic')})+1,IF(N({oc})>0,IF(ABS({cell('traffic')}/{oc}-ROUND({cell('traffic')}/{oc},0))<=1E-9*MAX(1,ABS({cell('traffic')}/{oc})),ROUND({cell('traffic')}/{oc},0),-INT(-{cell('traffic')}/{oc})),1),1)"
        ok_col = xl_col_to_name(erlang_col(w.sizes, "ok", j))
        role_staffing = f'INDEX({w.col(R, "staffing")},{cell("role_n")})'
        role_rate = f'INDEX({w.col(R, "hourly_rate")},{cell("role_n")})'
        f = {
            "tier": f'=IF({j}>ROWS({w.col(Q, "tier")}),"",INDEX({w.col(Q, "tier")},{j})&"")',
            "severity": f'=IF({t}="","",{sla("severity", j)}&"")',
            "channel": f'=IF({t}="","",{sla("channel", j)}&"")',
            "target": f'=IF({t}="",0,N({sla("target", j)})*IF({unit}="minutes",60,IF({unit}="hours",3600,1)))',
            "tickets": f'=IF({t}="",0,N({sla("tickets", j)}))',
            "handle": f'=IF({t}="",0,N({sla("handle_minutes", j)}))',
            "level": f'=IF({t}="",0,N({sla("service_level", j)}))',
            "role": f'=IF({t}="","",{sla("role", j)}&"")',
            "key": f'=IF({t}="","",LOWER({t}&"|"&{cell("channel")}&"|"&{cell("role")}))',
            "first": f'=IF({t}="",0,IF(COUNTIF(${key_col}${q_first + 1}:{key_col}{R_},{cell("key")})=1,1,0))',
            "number": f'=IF({cell("first")}=1,SUM(${first_col}${q_first + 1}:{first_col}{R_}),0)',
            "tier_n": f'=IF({t}="",0,IFERROR(MATCH({t},TierList,0),0))',
            "role_n": f'=IF({t}="",0,IFERROR(MATCH({cell("role")},RoleList,0),0))',
            "accounts": f'=IF({cell("tier_n")}=0,0,INDEX(pl_planned,{cell("tier_n")}))',
            "volume": f'={cell("accounts")}*{cell("tickets")}',
            "queue_volume": f'=IF({cell("first")}=1,SUMIF(pk_q_key,{cell("key")},pk_q_volume),0)',
            "queue_handle": (f'=IF(AND({cell("first")}=1,{cell("queue_volume")}>0),SUMPRODUCT((pk_q_key={cell("key")})*pk_q_volume'
                             f'*{span(name, qc["handle"], q_first, q_last)})/{cell("queue_volume")},0)'),
            "rate": f'=IF(AND({cell("first")}=1,N({lh})>0),{cell("queue_volume")}/{lh},0)',
            "traffic": f'={cell("rate")}*{cell("queue_handle")}/60',
            "live": f'=IF(OR({cell("channel")}="Chat",{cell("channel")}="Phone"),1,0)',
            "full_target": f'=IF(AND({cell("first")}=1,{cell("live")}=1,{cell("traffic")}>0,COUNTIFS(pk_q_key,{cell("key")},pk_q_level,">=1")>0),1,0)',
            "start": f'=IF(AND({cell("first")}=1,{cell("live")}=1,{cell("traffic")}>0),{start},0)',
            "agents": (f'=IF(OR({cell("first")}=0,{cell("live")}=0),"",IF({cell("traffic")}<=0,0,IF({cell("full_target")}=1,"",'
                       f'IFERROR(MATCH(1,{ERLANG_SHEET}!${ok_col}${er_ok_first + 1}:${ok_col}${er_ok_first + ERLANG_ROWS},0),""))))'),
            "hours": (f'=IF({cell("first")}=0,0,IF({cell("live")}=1,IF(ISNUMBER({cell("agents")}),{cell("agents")}*{lh}*12,0),'
                      f'{cell("queue_volume")}*12*{cell("queue_handle")}/60/IF(N({oc})>0,{oc},1)))'),
            "cost": f'=IF(OR({cell("first")}=0,{cell("role_n")}=0),0,{cell("hours")}*{role_rate})',
            "attributed": f'=IF(OR({cell("first")}=0,{cell("role_n")}=0),0,IF({role_staffing}<>"Named",{cell("hours")}*{role_rate},0))',
            "automated": f'=IF(OR({cell("first")}=0,{cell("role_n")}=0),0,IF({role_staffing}="Automated",{cell("hours")}*{role_rate},0))',
            "unreachable": f'=IF(AND({cell("first")}=1,{cell("live")}=1,{cell("traffic")}>0,NOT(ISNUMBER({cell("agents")}))),1,0)',
            "fails": (f'=IF({cell("unreachable")}=1,{t}&" "&{cell("channel")}&": "&IF({cell("full_target")}=1,'
                      f'"no number of agents reaches a 100% service level","more than {ERLANG_ROWS} agents on shift would be needed"),"")'),
        }
        ws.write_number(r, qc["j"], j, w.f("formula", "0"))
        fm = {"tier": text, "severity": text, "channel": text, "role": text, "key": text, "fails": wrap, "level": pct,
              "attributed": money, "automated": money, "cost": money, "volume": num, "queue_volume": num, "queue_handle": num, "rate": num,
              "traffic": w.f("formula", "0.0000"), "hours": num, "target": integer, "tickets": num, "handle": num}
        for key, formula in f.items():
            put_formula(ws, r, qc[key], formula, fm.get(key, integer))

    # ---- totals and what fails
    ws.write_string(pk.total_header - 1, 0, "The negotiated package", heading)
    budget = fin["budget"]
    limits = _limits_text(w)
    fails_list = [nm["t_fails"], nm["c_fails"], nm["q_fails"]]
    joined = _joined(w, ws, fails_list, budget_cell=totals["budget_fails"])
    f = {
        "people_cost": "=SUM(pk_r_cost)",
        "direct": "=SUM(pk_c_direct)",
        "automated": "=SUM(pk_c_automated)+SUM(pk_q_automated)",
        "total": "=pk_people_cost+pk_direct+pk_automated",
        "people": "=SUM(pk_r_people)",
        "support_cost": "=SUM(pk_q_cost)",
        "budget_fails": (f'=IF(AND(ISNUMBER({budget}),pk_total>{budget}*(1+1E-9)),"the annual CS budget of "&FIXED({budget},0)'
                         f'&" (the package costs "&FIXED(pk_total,0)&", "&FIXED(pk_total-{budget},0)&" more)","")'),
        "fail_count": '=IF(pk_budget_fails<>"",1,0)+COUNTIF(pk_t_fails,"?*")+COUNTIF(pk_c_fails,"?*")+COUNTIF(pk_q_fails,"?*")',
        "fails": joined,
        "limits": limits,
    }
    fm = {"people_cost": money, "direct": money, "automated": money, "total": money, "people": integer, "support_cost": money,
          "budget_fails": wrap, "fail_count": integer, "fails": wrap, "limits": wrap}
    for i, (key, _n, text_label) in enumerate(TOTALS):
        r = pk.total_first + i
        ws.write_string(r, 0, text_label, label)
        put_formula(ws, r, 1, f[key], fm[key])
    widths = [22, 16, 26, 12, 12, 14, 10, 12, 12, 11, 11, 11, 11, 11, 12, 11, 11, 12, 12, 11, 14, 12, 12, 12, 40, 12, 12, 12, 40]
    for j in range(pk.width()):
        ws.set_column(j, j, widths[j] if j < len(widths) else 12)
    w.finish(ws, pk.tier_header + 1, 0)


def _joined(w: Writer, ws, ranges: list[str], budget_cell: str) -> str:
    """One text listing every failing requirement: the budget, then guardrails, intervals and SLAs, '; ' between them.

    Classic functions have no TEXTJOIN: a running concatenation in a helper column does it.
    """
    pk = w.pk
    col = pk.width() + 1
    first = pk.tier_first
    ws.write_string(pk.tier_header, col, "What fails, so far", w.f("header"))
    sources = []
    for rng in ranges:
        ref = w.names[rng]
        a, b = ref.split("!")[1].replace("$", "").split(":")
        c = "".join(ch for ch in a if ch.isalpha())
        r0, r1 = int("".join(ch for ch in a if ch.isdigit())), int("".join(ch for ch in b if ch.isdigit()))
        sources += [f"{c}{r}" for r in range(r0, r1 + 1)]
    prev = budget_cell
    fmt = w.f("formula", "@")
    for i, src in enumerate(sources):
        r = first + i
        cell = a1(r, col)
        put_formula(ws, r, col, f'=IF({src}<>"",IF({prev}<>"",{prev}&"; ","")&{src},{prev})', fmt)
        prev = cell
    ws.set_column(col, col, 14)
    return f"={prev}"


def _limits_text(w: Writer) -> str:
    """What lies beyond the helper sheets' rows (blank when everything fits)."""
    s, T = w.sizes, schema.SERVICES
    parts = [
        f'IF(pl_over>0,"the Accounts table has "&FIXED(pl_over,0)&" accounts more than the Placement sheet covers ({s.accounts:,}); ","")',
        f'IF(ROWS({w.col(T, "name")})>{s.services},"more than {s.services} services; ","")',
        f'IF(ROWS({w.col(schema.ROLES, "name")})>{s.roles},"more than {s.roles} roles; ","")',
        f'IF(ROWS({w.col(schema.SLAS, "tier")})>{s.slas},"more than {s.slas} SLA rows; ","")',
        f'IF(ROWS({w.col(schema.SCORING, "pillar")})>{s.rules},"more than {s.rules} scoring rules; ","")',
        f'IF(ROWS(TierList)>{w.ac.anchors + 1},"more than {w.ac.anchors + 1} tiers for the check of last cut-offs; ","")',
        'IF(COUNTIFS(pl_rw,">0",pl_ri,0)>0,"a Scoring column that is not among the Accounts columns this workbook was written with; ","")',
    ]
    return "=" + "&".join(parts)
