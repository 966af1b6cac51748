"""The negotiated package in formulas: the helper sheets behind the Summary.

The Summary prices the negotiated intervals the way ``tierplan optimize --mode
min_cost`` does, with classic spreadsheet functions only, so Excel and
LibreOffice compute the same figures as the plan. Three helper sheets hold the
working, each protected like the other formula sheets:

Placement
    Every account placed in a tier as planner.segmentation places it: the
    composite score (percentile ranks of the Scoring sheet's columns, weighted
    per pillar, rounded to hundredths), score cut-offs fitted to the bands by the
    standard rule (targets the same fraction through every band, tiers filled
    from the top), hysteresis for accounts with a previous tier, then the
    ARR guardrails of the Tiers sheet, the strategic floor, the churn-risk lift and locked tiers. Two checks say when
    the plan would do otherwise: cut-offs that miss a band (the plan then adjusts
    them where it can) and previous tiers that follow one cut-off per tier (the
    plan then keeps the last assessment's cut-offs).
Package
    The min_cost plan of the negotiated intervals: each cell at its negotiated
    interval rounded up to its step (never below the minimum), raised by keep
    tier order to the nearest lower tier that offers the service (a tier whose
    maximum is 0 does not); whole people per named role and tier and per pooled
    role, the larger of hours over productive hours and covered accounts over the
    book of accounts; direct and automated costs; support from the SLAs; the
    tiers' CS cost against their guardrails; and every requirement that fails.
Erlang
    Erlang B by its stable recursion over agent counts 0 to ``ERLANG_ROWS`` for
    every SLA row, the service level each count gives, and for each live queue
    the smallest count meeting every target within the occupancy cap (MATCH).

The minimal intervals are the plan's: cost and every requirement but the
guardrails and the budget only grow with occurrences, and min_cost breaks ties
towards fewer occurrences, so the cheapest plan delivers each cell at the
lowest interval its floor and keep tier order allow.

This package only writes cells; the figures it reproduces are defined in
planner.segmentation, planner.optimization.model and staffing (docs/model.md).
Its modules:

layout
    sheet names, sizes, the input columns read (``can_price``) and where every
    block of Placement, Package and Erlang sits;
refs
    A1 references and ``put_formula``, the fast formula writer;
writer
    ``Writer``, the context every sheet is written with (book, content, sizes,
    formats and the workbook names defined so far);
placement_sheet, package_sheet, erlang_sheet, summary_sheet
    ``write(w, ws)`` for each sheet; summary_sheet also declares the Summary's
    blocks and ``summary_layout``.
"""
