"""The Placement sheet: every account placed in a tier by formulas, as planner.segmentation places it.

The composite score (percentile ranks of the Scoring sheet's columns, weighted per pillar,
rounded to hundredths), score cut-offs fitted to the bands by the standard rule, hysteresis
for accounts with a previous tier, then the ARR guardrails, the strategic floor, the
churn-risk lift and locked tiers; and the two checks that say when the plan would place
accounts otherwise (cut-offs that miss a band, previous tiers that follow one cut-off per tier).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xlsxwriter.utility import xl_col_to_name

from planner import schema
from planner.workbook.summary_formulas.layout import (
    ACCOUNT_HEADERS,
    GLOBALS,
    PILLAR_COUNT,
    PL_FIRST,
    PL_GLOBAL_FIRST,
    PL_HEADER,
    PL_META,
    PL_META_FIRST,
    PL_TIER_FIRST,
    PL_TIER_HEADER,
    PLACEMENT_SHEET,
    TB,
    TB_HEADERS,
    AccountColumns,
    K,
)
from planner.workbook.summary_formulas.refs import a1, a1_abs, flag, put_formula, span

if TYPE_CHECKING:
    from planner.workbook.summary_formulas.writer import Writer


BIG = "1E+9"
BIG_CENTS = "1E+15"  # above any ARR in cents the Accounts sheet accepts (1E+10 x 100)


def write(w: Writer, ws) -> None:
    T, A, S = schema.TIERS, schema.ACCOUNTS, schema.SCORING
    ac, n_rows = w.ac, w.sizes.accounts
    first, last = PL_FIRST, PL_FIRST + n_rows - 1
    w.title(
        ws, "Placement",
        "Every account placed in a tier by formulas, as the plan places it: the composite score of the Scoring sheet, cut-offs "
        "fitted to the bands, hysteresis for accounts with a previous tier, then ARR guardrails, strategic, churn-risk and locked overrides.",
        "Formulas only (used by the Summary). The checks below say when the plan would place accounts differently.",
    )
    name = PLACEMENT_SHEET

    def rng(col: int) -> str:
        return span(name, col, first, last)

    for key in ("bin", "cents", "sarr", "sacc", "prev", "ps", "cons", "final", "id", "arr"):
        w.name(f"pl_{key}", rng(getattr(ac, key)))
    tier_block = {"pl_cuts": ("cut", K - 1), "pl_planned": ("planned", K), "pl_planned_arr": ("planned_arr", K),
                  "pl_previous": ("previous", K), "pl_new": ("new", K), "pl_new_arr": ("new_arr", K),
                  "pl_rule_accounts": ("rule_accounts", K), "pl_floor": ("floor", K)}
    for nm, (key, rows) in tier_block.items():
        w.name(nm, span(name, TB[key], PL_TIER_FIRST, PL_TIER_FIRST + rows - 1))
    for i, (_key, nm, _label) in enumerate(GLOBALS):
        w.name(nm, f"{name}!{a1_abs(PL_GLOBAL_FIRST + i, 1)}")

    # ---- globals
    label = w.f("label", bold=True)
    fnum = w.f("formula", "#,##0.###")
    tier_col = w.col(T, "name")
    tb = lambda key, k: a1(PL_TIER_FIRST + k - 1, TB[key])
    lo_all = f"{a1_abs(PL_TIER_FIRST, TB['lo'])}:{a1_abs(PL_TIER_FIRST + K - 1, TB['lo'])}"
    hi_all = f"{a1_abs(PL_TIER_FIRST, TB['hi'])}:{a1_abs(PL_TIER_FIRST + K - 1, TB['hi'])}"
    met_all = f"{a1_abs(PL_TIER_FIRST, TB['met'])}:{a1_abs(PL_TIER_FIRST + K - 1, TB['met'])}"
    tier_all = f"{a1_abs(PL_TIER_FIRST, TB['tier'])}:{a1_abs(PL_TIER_FIRST + K - 1, TB['tier'])}"
    fewest_all = f"{a1_abs(PL_TIER_FIRST, TB['fewest'])}:{a1_abs(PL_TIER_FIRST + K - 2, TB['fewest'])}"
    spread = f"(SUM({hi_all})-SUM({lo_all}))"
    globals_ = {
        "n": '=COUNTIF(pl_id,"?*")',
        "totc": "=SUM(pl_cents)",
        "m": f"=ROUND(MAX(N({schema.FINANCE.setting('retier_margin').name}),0)*100,0)",
        "strat": f'=IFERROR(MATCH(TRIM({schema.FINANCE.setting("strategic_tier").name}&""),TierList,0),0)',
        "k": f"=ROWS({tier_col})",
        "lam": f"=IF({spread}>1E-9,MIN(MAX((1-SUM({lo_all}))/{spread},0),1),0)",
        "cons": "=SUM(pl_cons)",
        "trust": f'=IF(AND(pl_k>=2,pl_ncons>0,COUNTIF({fewest_all},">"&INT(0.01*pl_ncons))=0),1,0)',
        "stdok": f'=IF(SUMPRODUCT(({tier_all}<>"")*({met_all}=0))=0,1,0)',
        "over": f"=MAX(ROWS({w.col(A, 'account_id')})-{n_rows},0)",
    }
    for i, (key, _nm, text) in enumerate(GLOBALS):
        r = PL_GLOBAL_FIRST + i
        ws.write_string(r, 0, text, label)
        put_formula(ws, r, 1, globals_[key], fnum)

    # ---- tier block
    w.headers(ws, PL_TIER_HEADER, [TB_HEADERS[k] for k in TB])
    basis_col, min_col, max_col = w.col(T, "band_basis"), w.col(T, "band_min"), w.col(T, "band_max")
    amount_col, share_col = w.col(T, "arr_at_least"), w.col(T, "arr_share_at_least")
    for k in range(1, K + 1):
        r = PL_TIER_FIRST + k - 1
        kk = tb("k", k)
        t = tb("tier", k)
        lo_raw = f"IF(ISNUMBER(INDEX({min_col},{kk})),MIN(MAX(INDEX({min_col},{kk}),0),1),0)"
        hi_raw = f"IF(ISNUMBER(INDEX({max_col},{kk})),MIN(MAX(INDEX({max_col},{kk}),0),1),1)"
        basis = tb("basis", k)
        goal = tb("goal", k)
        prev_cut = "10001" if k == 1 else tb("cut", k - 1)
        share_at = (lambda cut: f'IF({basis}="ARR",IF(pl_totc>0,SUMIF(pl_bin,">="&{cut},pl_cents)/pl_totc,0),'
                                f'IF(pl_n>0,COUNTIF(pl_bin,">="&{cut})/pl_n,0))')
        if k == 1:
            goal_f = f'=IF({kk}<pl_k,{tb("target", k)},"")'
        else:
            goal_f = (f'=IF({kk}<pl_k,IF({basis}={tb("basis", k - 1)},{tb("goal", k - 1)}+{tb("target", k)},'
                      f'{share_at(prev_cut)}+{tb("target", k)}),"")')
        lower = tb("lower", k)
        upper = tb("upper", k)
        formulas = {
            "tier": f'=IF({kk}<=pl_k,INDEX({tier_col},{kk})&"","")',
            "basis": f'=IF({t}="","",IF(AND(INDEX({basis_col},{kk})="ARR",pl_totc>0),"ARR","Accounts"))',
            "lo": f'=IF({t}="","",MIN({lo_raw},{hi_raw}))',
            "hi": f'=IF({t}="","",MAX({lo_raw},{hi_raw}))',
            "target": f'=IF({t}="","",{tb("lo", k)}+pl_lam*({tb("hi", k)}-{tb("lo", k)}))',
            "goal": goal_f,
            "cut_score": f'=IF({tb("cut", k)}<0,"",{tb("cut", k)}/100)',
            "lower": f'=IF({t}="","",IF({kk}<pl_k,{tb("cut", k)},0))',
            "upper": f'=IF({t}="","",{"10001" if k == 1 else tb("lower", k - 1)})',
            "rule_accounts": f'=IF({t}="","",COUNTIFS(pl_bin,">="&{lower},pl_bin,"<"&{upper}))',
            "rule_share": (f'=IF({t}="","",IF({basis}="ARR",IF(pl_totc>0,SUMIFS(pl_cents,pl_bin,">="&{lower},pl_bin,"<"&{upper})/pl_totc,0),'
                           f'IF(pl_n>0,{tb("rule_accounts", k)}/pl_n,0)))'),
            "met": f'=IF({t}="","",IF(AND({tb("rule_share", k)}>={tb("lo", k)}-1E-9,{tb("rule_share", k)}<={tb("hi", k)}+1E-9),1,0))',
            "planned": f'=IF({t}="","",COUNTIF(pl_final,{kk}))',
            "planned_arr": f'=IF({t}="","",SUMIF(pl_final,{kk},pl_cents)/100)',
            "previous": f'=IF({t}="","",COUNTIF(pl_prev,{kk}))',
            "new": f'=IF({t}="","",COUNTIFS(pl_final,{kk},pl_prev,0))',
            "new_arr": f'=IF({t}="","",SUMIFS(pl_cents,pl_final,{kk},pl_prev,0)/100)',
            # ARR guardrails (planner.segmentation.retier.floor_thresholds): the lowest ARR in cents that puts an
            # account in this tier or above, so the column never rises and the tier # is 1 + the tiers it misses
            "floor": (f'=MIN({"" if k == 1 else tb("floor", k - 1) + ","}IF({t}="",{BIG_CENTS},MIN('
                      f'IF(ISNUMBER(INDEX({amount_col},{kk})),ROUND(INDEX({amount_col},{kk})*100,0),{BIG_CENTS}),'
                      f'IF(ISNUMBER(INDEX({share_col},{kk})),INDEX({share_col},{kk})*pl_totc,{BIG_CENTS}))))'),
        }
        fm = {"lo": schema.PERCENT_FORMAT, "hi": schema.PERCENT_FORMAT, "target": schema.PERCENT_FORMAT,
              "goal": "0.0000%", "rule_share": schema.PERCENT_FORMAT, "planned_arr": schema.MONEY_FORMAT,
              "new_arr": schema.MONEY_FORMAT, "cut_score": "0.00"}
        ws.write_number(r, TB["k"], k, w.f("formula", "0"))
        for key, text in formulas.items():
            put_formula(ws, r, TB[key], text, w.f("formula", fm.get(key, "#,##0")))
        # cut-off: the score of the account that brings its tier to the goal (planner.segmentation.tiering)
        if k < K:
            gm = f"({goal}-1E-9)"
            best = f'IF({basis}="ARR",MAX(IF(pl_sarr>={gm},pl_bin,-1)),MAX(IF(pl_sacc>={gm},pl_bin,-1)))'
            cut = f'{{=IF({kk}<pl_k,MAX(MIN(IF({gm}<=0,10001,IF({gm}>1,-1,{best})),{prev_cut}),0),-1)}}'
            cell = a1(r, TB["cut"])
            ws.write_array_formula(f"{cell}:{cell}", cut, w.f("formula", "#,##0;-0"), "")
            lower_c0 = f'COUNTIFS(pl_prev,">0",pl_prev,"<="&{kk},pl_cons,1,pl_ps,"<"&(0-pl_m))'
            upper_c0 = f'COUNTIFS(pl_prev,">"&{kk},pl_cons,1,pl_ps,">="&pl_m)'
            if k <= ac.anchors:
                anchor = xl_col_to_name(ac.anchor0 + k - 1)
                fewest = f'=IF({kk}<pl_k,MIN({lower_c0}+{upper_c0},MIN({name}!${anchor}${first + 1}:${anchor}${last + 1})),"")'
            else:  # more tiers than the sheet was written for: the Limits line says so
                fewest = f'=IF({kk}<pl_k,{lower_c0}+{upper_c0},"")'
            put_formula(ws, r, TB["fewest"], fewest, w.f("formula", "#,##0"))
        else:
            ws.write_blank(r, TB["cut"], None, w.f("formula"))
            ws.write_blank(r, TB["fewest"], None, w.f("formula"))

    # ---- scoring rule meta (over the rank columns)
    meta_labels = {"rule": "Scoring rule", "column": "Account column", "pillar": "Pillar", "weight": "Weight",
                   "direction": "Direction (+1/-1)", "index": "Column # on Accounts", "count": "Values present"}
    lab_col = ac.cents
    for key, i in PL_META.items():
        ws.write_string(PL_META_FIRST + i, lab_col, meta_labels[key], label)
    pillars = ",".join(f'INDEX({w.col(S, "pillar")},{{j}})="{p}"' for p in schema.PILLARS)
    for j in range(1, w.sizes.rules + 1):
        c = ac.rank0 + j - 1
        jr = a1(PL_META_FIRST + PL_META["rule"], c, True)
        m = {key: a1(PL_META_FIRST + i, c, True) for key, i in PL_META.items()}
        exists = f"{jr}<=ROWS({w.col(S, 'pillar')})"
        text = f'INDEX({w.col(S, "column")},{jr})&""'
        headers = w.accounts_range(headers=True)
        formulas = {
            "column": f'=IF({exists},{text},"")',
            "pillar": f'=IF({exists},INDEX({w.col(S, "pillar")},{jr})&"","")',
            "weight": (f'=IF({exists},IF(AND(ISNUMBER(INDEX({w.col(S, "weight")},{jr})),OR({pillars.format(j=jr)})),'
                       f'MAX(INDEX({w.col(S, "weight")},{jr}),0),0),0)'),
            "direction": f'=IF({exists},IF(INDEX({w.col(S, "direction")},{jr})="Lower raises tier",-1,1),1)',
            "index": (f'=IF(OR({m["column"]}="",{m["weight"]}<=0),0,IFERROR(MATCH({m["column"]},{headers},0),'
                      f'IFERROR(MATCH(SUBSTITUTE({m["column"]},"_"," "),{headers},0),0)))'),
            "count": f'=IF({m["index"]}=0,0,COUNT(INDEX({w.accounts_range()},0,{m["index"]})))',
        }
        ws.write_number(PL_META_FIRST + PL_META["rule"], c, j, w.f("formula", "0"))
        for key, text_f in formulas.items():
            put_formula(ws, PL_META_FIRST + PL_META[key], c, text_f, w.f("formula", "General"))
    for p_i, p in enumerate(schema.PILLARS):
        c = ac.pillar0 + p_i
        ws.write_string(PL_META_FIRST + PL_META["pillar"], c, p, w.f("formula"))
        pr = f"{a1_abs(PL_META_FIRST + PL_META['pillar'], ac.rank0)}:{a1_abs(PL_META_FIRST + PL_META['pillar'], ac.rank_last)}"
        wr = f"{a1_abs(PL_META_FIRST + PL_META['weight'], ac.rank0)}:{a1_abs(PL_META_FIRST + PL_META['weight'], ac.rank_last)}"
        put_formula(ws, PL_META_FIRST + PL_META["weight"], c, f"=SUMPRODUCT(({pr}={a1(PL_META_FIRST + PL_META['pillar'], c, True)})*{wr})",
                         w.f("formula", "General"))

    # ---- per-account table (short names keep 100,000 formulas small: a_* are Accounts columns)
    for key, col in (("id", "account_id"), ("arr", "arr"), ("prev", "previous_tier"), ("lock", "locked_tier"),
                     ("strat", "strategic"), ("churn", "churn_risk"), ("ps", "previous_score")):
        w.name(f"a_{key}", w.col(A, col))
    w.name("pl_acc", w.accounts_range())
    meta_row = lambda key, c0, c1: f"{name}!{a1_abs(PL_META_FIRST + PL_META[key], c0)}:{a1_abs(PL_META_FIRST + PL_META[key], c1)}"
    w.name("pl_rp", meta_row("pillar", ac.rank0, ac.rank_last))
    w.name("pl_rw", meta_row("weight", ac.rank0, ac.rank_last))
    w.name("pl_rd", meta_row("direction", ac.rank0, ac.rank_last))
    w.name("pl_pw", meta_row("weight", ac.pillar0, ac.pillar_last))
    w.name("pl_ri", meta_row("index", ac.rank0, ac.rank_last))
    texts = [ACCOUNT_HEADERS["num"], ACCOUNT_HEADERS["id"], ACCOUNT_HEADERS["arr"], ACCOUNT_HEADERS["cents"]]
    texts += [f"Rank, rule {j}" for j in range(1, w.sizes.rules + 1)]
    texts += [f"{p} score" for p in schema.PILLARS]
    texts += [ACCOUNT_HEADERS[k] for k in AccountColumns.NAMES]
    texts += [f"Contradictions, cut-off below tier {k}" for k in range(1, ac.anchors + 1)]
    w.headers(ws, PL_HEADER, texts)
    meta = lambda key, c: a1(PL_META_FIRST + PL_META[key], c, True)
    fmt_num = w.f("formula", "0")
    fmt_money = w.f("formula", schema.MONEY_FORMAT)
    fmt_rank = w.f("formula", '0.00;"-"')
    fmt_share = w.f("formula", '0.0000;"-"')
    fmt_text = w.f("formula", "@")
    fmt_int = w.f("formula", '0;"-"')
    fmt_big = w.f("formula", '#,##0;-0;0;@')
    rank_cols = [(ac.rank0 + j, meta("index", ac.rank0 + j), meta("count", ac.rank0 + j)) for j in range(w.sizes.rules)]
    pillar_cols = [(ac.pillar0 + p, meta("pillar", ac.pillar0 + p)) for p in range(PILLAR_COUNT)]
    L = {key: xl_col_to_name(getattr(ac, key)) for key in ("arr", "cents", "bin", "prev", "locked", "strat", "churn", "ps",
                                                             "cons", "rule", "up", "down", "base", "guard", "pre", "final")}
    r0, r1 = xl_col_to_name(ac.rank0), xl_col_to_name(ac.rank_last)
    p0, p1 = xl_col_to_name(ac.pillar0), xl_col_to_name(ac.pillar_last)
    for i in range(n_rows):
        r = first + i
        R = r + 1  # Excel row number
        a, b = f"$A{R}", f"$B{R}"
        c = {key: f"${col}{R}" for key, col in L.items()}
        put = lambda col, text, fmt: put_formula(ws, r, col, text, fmt)
        ws.write_number(r, ac.num, i + 1, fmt_num)
        put(ac.id, f'=IF({a}>ROWS(a_id),"",TRIM(INDEX(a_id,{a})&""))', fmt_text)
        put(ac.arr, f'=IF({b}="",0,N(INDEX(a_arr,{a})))', fmt_money)
        put(ac.cents, f'=IF({b}="",0,ROUND(MAX({c["arr"]},0)*100,0))', fmt_num)
        for col, ci, cn in rank_cols:
            v = f"INDEX(pl_acc,{a},{ci})"
            column = f"INDEX(pl_acc,0,{ci})"
            pct = f"(RANK({v},{column},1)-1+(COUNTIF({column},{v})+1)/2-1)*(100/({cn}-1))"
            put(col, f'=IF({b}="",-1,IF({ci}=0,-1,IF(ISNUMBER({v}),IF({cn}<=1,50,{pct}),-1)))', fmt_rank)
        ranks = f"${r0}{R}:${r1}{R}"
        for col, pc in pillar_cols:
            is_p = f"(pl_rp={pc})*({ranks}>=0)*pl_rw"
            den = f"SUMPRODUCT({is_p})"
            put(col, f'=IF({b}="",-1,IF({den}>0,SUMPRODUCT({is_p}*((pl_rd<0)*(100-{ranks})+(pl_rd>0)*{ranks}))/{den},-1))', fmt_rank)
        ps_row = f"${p0}{R}:${p1}{R}"
        num_t, den_t = f"SUMPRODUCT(({ps_row}>=0)*pl_pw*{ps_row})", f"SUMPRODUCT(({ps_row}>=0)*pl_pw)"
        put(ac.bin, f'=IF({b}="",-1,ROUND(MIN(MAX(IF({den_t}>0,{num_t}/{den_t},50),0),100)*100,0))', fmt_int)
        put(ac.score, f'=IF({b}="","",{c["bin"]}/100)', w.f("formula", "0.00"))
        put(ac.sarr, f'=IF({b}="",-1,IF(pl_totc>0,SUMIF(pl_bin,">="&{c["bin"]},pl_cents)/pl_totc,0))', fmt_share)
        put(ac.sacc, f'=IF({b}="",-1,COUNTIF(pl_bin,">="&{c["bin"]})/pl_n)', fmt_share)
        put(ac.prev, f'=IF({b}="",0,IFERROR(MATCH(TRIM(INDEX(a_prev,{a})&""),TierList,0),0))', fmt_int)
        put(ac.locked, f'=IF({b}="",0,IFERROR(MATCH(TRIM(INDEX(a_lock,{a})&""),TierList,0),0))', fmt_int)
        put(ac.strat, f'=IF({b}="",0,{flag(f"INDEX(a_strat,{a})")})', fmt_int)
        put(ac.churn, f'=IF({b}="",0,{flag(f"INDEX(a_churn,{a})")})', fmt_int)
        psv = f"INDEX(a_ps,{a})"
        put(ac.ps, f'=IF({b}="",-1,IF(ISNUMBER({psv}),MIN(MAX(ROUND({psv}*100,0),0),10000),-1))', fmt_int)
        put(ac.cons, f'=IF(AND({b}<>"",{c["prev"]}>0,{c["ps"]}>=0,{c["locked"]}=0,{c["churn"]}=0,OR(pl_strat=0,{c["strat"]}=0)),1,0)', fmt_int)
        put(ac.rule, f'=IF({b}="",0,1+SUMPRODUCT(--({c["bin"]}<pl_cuts)))', fmt_int)
        put(ac.up, f'=IF({b}="",0,1+SUMPRODUCT(--({c["bin"]}-pl_m<pl_cuts)))', fmt_int)
        put(ac.down, f'=IF({b}="",0,1+SUMPRODUCT(--({c["bin"]}+pl_m<pl_cuts)))', fmt_int)
        prev, up, down, base = c["prev"], c["up"], c["down"], c["base"]
        put(ac.base, f'=IF({b}="",0,IF(AND({prev}>0,{c["churn"]}=0),IF({up}<{prev},{up},IF({down}>{prev},{down},{prev})),{c["rule"]}))', fmt_int)
        put(ac.guard, f'=IF({b}="",0,MIN({base},1+SUMPRODUCT(--({c["cents"]}<pl_floor))))', fmt_int)
        guard = c["guard"]
        put(ac.pre, f'=IF(AND({c["strat"]}=1,pl_strat>0,{guard}>pl_strat),pl_strat,{guard})', fmt_int)
        pre, churn, locked = c["pre"], c["churn"], c["locked"]
        put(ac.final, f'=IF({b}="",0,IF({locked}>0,{locked},IF(AND({churn}=1,{pre}>1),{pre}-1,{pre})))', fmt_int)
        put(ac.tier, f'=IF({b}="","",INDEX(TierList,{c["final"]}))', fmt_text)
        put(ac.how, (f'=IF({b}="","",IF({locked}>0,"locked",IF(AND({churn}=1,{pre}>1),"churn risk: one tier up",IF({pre}<{guard},'
                     f'"strategic flag",IF({guard}<{base},"ARR guardrail",IF({prev}=0,"new: by score",IF({base}={prev},"previous tier kept",'
                     f'"moved by score")))))))'), fmt_text)
        c0 = f"MAX({c['ps']}-pl_m+1,0)"
        for k in range(1, ac.anchors + 1):
            upper = f'COUNTIFS(pl_prev,"<="&{k},pl_cons,1,pl_ps,"<"&({c0}-pl_m))'
            lower = f'COUNTIFS(pl_prev,">"&{k},pl_cons,1,pl_ps,">="&({c0}+pl_m))'
            put(ac.anchor0 + k - 1, f'=IF(AND({c["cons"]}=1,{prev}>{k},{k}<pl_k),{upper}+{lower},{BIG})', fmt_big)
    widths = {ac.num: 6, ac.id: 12, ac.arr: 12, ac.cents: 14, ac.how: 22, ac.tier: 12}
    for j in range(ac.width):
        ws.set_column(j, j, widths.get(j, 11))
    ws.set_column(0, 0, 34)  # labels of the values above the accounts
    w.finish(ws, PL_FIRST, 2)
