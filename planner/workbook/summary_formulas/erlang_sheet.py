"""The Erlang sheet: Erlang B and C over agent counts for every live support queue.

Erlang B by its stable recursion over agent counts 0 to ``ERLANG_ROWS`` for every SLA row, the
service level each count gives, and for each live queue the smallest count meeting every target
within the occupancy cap (the Package sheet finds it with MATCH).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xlsxwriter.utility import xl_col_to_name

from planner.workbook.summary_formulas.layout import ER_FIRST, ER_HEADER, ER_META, ER_META_FIRST, ERLANG_ROWS, PACKAGE_SHEET, erlang_col
from planner.workbook.summary_formulas.refs import put_formula, span

if TYPE_CHECKING:
    from planner.workbook.summary_formulas.writer import Writer


def write(w: Writer, ws) -> None:
    q, pk = w.sizes.slas, w.pk
    w.title(
        ws, "Erlang",
        "Live queues (chat, phone): Erlang B by its recursion B(n) = A B(n-1) / (n + A B(n-1)) for every agent count n, the "
        "probability of waiting C = n B / (n - A (1 - B)) and the service level 1 - C exp(-(n - A) t / handle time).",
        f"A queue gets the fewest agents on shift that meet every one of its targets with occupancy A / n within the cap "
        f"(agent counts up to {ERLANG_ROWS}). Formulas only (used by the Package sheet).",
    )
    labels = {"traffic": "Traffic A (Erlangs)", "handle": "Handle time (seconds)", "target": "Target (seconds)",
              "goal": "Service level", "start": "Fewest agents allowed", "key": "Queue", "first": "Carries its queue (1/0)"}
    label = w.f("label", bold=True)
    for i, key in enumerate(ER_META):
        ws.write_string(ER_META_FIRST + i, 0, labels[key], label)
    hf = w.f("header")
    ws.write_string(ER_HEADER, 0, "Agents n", hf)
    qc = pk.queue_col
    meta_row = {key: ER_META_FIRST + i for i, key in enumerate(ER_META)}
    for j in range(1, q + 1):
        qr = pk.queue_first + j  # Excel row of SLA slot j on Package
        pcell = lambda key: f"{PACKAGE_SHEET}!${xl_col_to_name(qc[key])}${qr}"
        for block in ("b", "met", "ok"):
            c = erlang_col(w.sizes, block, j)
            ws.write_string(ER_HEADER, c, {"b": "Erlang B", "met": "Targets met", "ok": "Queue staffed"}[block] + f", SLA row {j}", hf)
        c = erlang_col(w.sizes, "met", j)
        key = pcell("key")
        meta = {
            "traffic": f'=IF({key}="",0,INDEX(pk_q_traffic,MATCH({key},pk_q_key,0)))',
            "handle": f'=IF({key}="",0,60*INDEX({span(PACKAGE_SHEET, qc["queue_handle"], pk.queue_first, pk.queue_last)},MATCH({key},pk_q_key,0)))',
            "target": f"={pcell('target')}",
            "goal": f"={pcell('level')}",
            "start": f"={pcell('start')}",
            "key": f"={key}",
            "first": f"={pcell('first')}",
        }
        for mk, formula in meta.items():
            put_formula(ws, meta_row[mk], c, formula, w.f("formula", "General"))
    ws.set_row(ER_HEADER, 45)
    met0 = erlang_col(w.sizes, "met", 1)
    met_last = erlang_col(w.sizes, "met", q)
    key_row = f"${xl_col_to_name(met0)}${meta_row['key'] + 1}:${xl_col_to_name(met_last)}${meta_row['key'] + 1}"
    fmt_b = w.f("formula", "0.000000")
    fmt_i = w.f("formula", "0")
    for n in range(0, ERLANG_ROWS + 1):
        r = ER_FIRST + n
        R_ = r + 1
        ws.write_number(r, 0, n, fmt_i)
        met_row = f"${xl_col_to_name(met0)}{R_}:${xl_col_to_name(met_last)}{R_}"
        for j in range(1, q + 1):
            cb, cm, co = (erlang_col(w.sizes, b, j) for b in ("b", "met", "ok"))
            mc = lambda key: f"{xl_col_to_name(cm)}${meta_row[key] + 1}"
            A = mc("traffic")
            bcell = f"{xl_col_to_name(cb)}{R_}"
            if n == 0:
                ws.write_number(r, cb, 1, fmt_b)
                ws.write_blank(r, cm, None, fmt_i)
                ws.write_blank(r, co, None, fmt_i)
                continue
            prev = f"{xl_col_to_name(cb)}{R_ - 1}"
            put_formula(ws, r, cb, f"={A}*{prev}/({n}+{A}*{prev})", fmt_b)
            wait = f"({n}*{bcell}/({n}-{A}*(1-{bcell})))"  # Erlang C: the chance a contact waits
            level = f"IF({mc('handle')}<=0,1,1-{wait}*EXP(-({n}-{A})*{mc('target')}/{mc('handle')}))"
            put_formula(ws, r, cm, f'=IF({mc("key")}="",1,IF({n}<={A},0,IF({level}>={mc("goal")}-1E-12,1,0)))', fmt_i)
            put_formula(ws, r, co, (f'=IF(AND({mc("first")}=1,{n}>={mc("start")},COUNTIFS({key_row},{mc("key")},{met_row},0)=0),1,0)'),
                             fmt_i)
    ws.set_column(0, 0, 24)
    ws.set_column(1, 3 * q, 11)
    w.finish(ws, ER_FIRST, 1)
