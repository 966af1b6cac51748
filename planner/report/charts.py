"""The report's charts: matplotlib drawn to SVG text, ready to inline in HTML.

Every chart function takes plain lists (already taken out of plan.json by
planner.report.context) and returns an SVG string. The SVG is
deterministic: fixed hash salt, no date, ids renamed per chart so several
charts can share one HTML page. Text stays text (``svg.fonttype = none``)
in the same fonts as the report, so it is searchable in the PDF and
escaped by matplotlib like any XML text; mathtext is off, so a tier called
``$x$`` is drawn as typed.
"""

from __future__ import annotations

import contextlib
import functools
import io
import math
import os
import re
import sys
import textwrap
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from markupsafe import escape
from matplotlib.ticker import FuncFormatter, MaxNLocator

FONTS = ["Carlito", "Liberation Sans", "DejaVu Sans"]

# Restrained palette: tiers in a sequence of blues (highest tier darkest),
# one warm accent for "value" and for the chosen point on the frontier.
TIER_BLUES = ("#1F3864", "#2F5597", "#4472C4", "#7F9FD6", "#A9BFE6", "#CFDCF2")
ACCENT = "#C55A11"
VALUE_GREEN = "#548235"
GRID = "#D9D9D9"
INK = "#262626"
MUTED = "#7F7F7F"
BAND = "#E2EFDA"

WIDTH_IN = 6.7  # about the text width of an A4/Letter page with 18 mm margins

_STYLE = {
    "svg.fonttype": "none",
    "svg.hashsalt": "tierplan",
    "font.family": FONTS,
    "font.size": 8.5,
    "text.parse_math": False,
    "text.color": INK,
    "axes.labelcolor": INK,
    "axes.edgecolor": MUTED,
    "axes.linewidth": 0.6,
    "axes.titlesize": 9.5,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": INK,
    "ytick.color": INK,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "legend.frameon": False,
    "legend.fontsize": 8,
    "figure.dpi": 72,
}


def tier_colours(n: int) -> list[str]:
    """n colours, darkest for the highest tier; spread over the palette when n < 6."""
    if n <= 0:
        return []
    if n == 1:
        return [TIER_BLUES[0]]
    last = len(TIER_BLUES) - 1
    return [TIER_BLUES[round(i * last / (n - 1))] if n <= len(TIER_BLUES) else TIER_BLUES[i % len(TIER_BLUES)] for i in range(n)]


class _SideBySide:
    """Charts asked for inside :func:`side_by_side`: each drawn by a forked child, a placeholder in its place meanwhile."""

    def __init__(self) -> None:
        self.pending: list = []
        self.pid = os.getpid()

    def placeholder(self, index: int) -> str:
        # a "<" never reaches the page unescaped from text, so only a chart call can have put this here
        return f'<tierplan-chart n="{index}"/>'

    def fill(self, html: str) -> str:
        """``html`` with each placeholder replaced by its chart's SVG (waiting for the children still drawing)."""
        for index, pending in enumerate(self.pending):
            html = html.replace(self.placeholder(index), pending.result())
        return html


_side_by_side: _SideBySide | None = None


@contextlib.contextmanager
def side_by_side():
    """Within the block each chart call starts drawing in a forked child and returns a placeholder at once;
    ``.fill(html)`` on the object yielded puts every SVG in its place. The SVG is the same as drawn here
    (the children see this process's memory and settings); without fork each chart is drawn at ``fill``.
    The demo's seven charts take 3.1 s one after the other, matplotlib's text layout most of it; the PDF
    worker's core is idle while the report is built, so two cores share them."""
    global _side_by_side
    outer, _side_by_side = _side_by_side, _SideBySide()
    drawing = _side_by_side
    try:
        yield drawing
    finally:
        _side_by_side = outer
        for pending in drawing.pending:  # leaving on an error: no child left behind unreaped
            with contextlib.suppress(Exception):
                pending.result()


class _InPlace:
    """:func:`side_by_side`'s shape with nothing set aside: each chart drawn at its call."""

    def fill(self, html: str) -> str:
        return html


@contextlib.contextmanager
def one_after_another():
    """Each chart drawn at its call, in this process (as outside any block)."""
    global _side_by_side
    outer, _side_by_side = _side_by_side, None
    try:
        yield _InPlace()
    finally:
        _side_by_side = outer


def _styled(func):
    """Run a chart function inside the report's rc settings (artists read them when they are created)."""

    def draw(*args, **kwargs):
        with plt.rc_context(_STYLE):
            return func(*args, **kwargs)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        drawing = _side_by_side
        if drawing is None:
            return draw(*args, **kwargs)
        from planner.sidebyside import beside

        def in_child():
            if os.getpid() != drawing.pid:  # a fresh stderr: the progress line's thread may have been writing at the fork
                sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 (the child leaves by os._exit)
            return draw(*args, **kwargs)

        drawing.pending.append(beside(in_child))
        return drawing.placeholder(len(drawing.pending) - 1)

    return wrapper


def _figure(height_in: float, ncols: int = 1, **kw):
    return plt.subplots(1, ncols, figsize=(WIDTH_IN, height_in), **kw)


def _to_svg(fig, name: str, label: str) -> str:
    """Figure -> inline SVG text: no XML prolog, no metadata, ids prefixed with ``name``."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    plt.close(fig)
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, flags=re.S)
    tags = re.findall(r"<[^>]+>", svg)  # text content is escaped, so tags are exactly these
    referenced = set()
    for tag in tags:
        referenced |= set(re.findall(r'url\(#([^)"\s]+)\)', tag)) | set(re.findall(r'href="#([^"]+)"', tag))

    def fix_tag(match: re.Match) -> str:
        tag = match.group(0)
        tag = re.sub(
            r'\s?\bid="([^"]+)"',
            lambda m: f' id="{name}-{m.group(1)}"' if m.group(1) in referenced else "",
            tag,
        )
        tag = re.sub(r'url\(#([^)"\s]+)\)', lambda m: f"url(#{name}-{m.group(1)})", tag)
        return re.sub(r'href="#([^"]+)"', lambda m: f'href="#{name}-{m.group(1)}"', tag)

    svg = re.sub(r"<[^>]+>", fix_tag, svg)
    # Responsive: the viewBox keeps the aspect ratio; CSS sets the width.
    svg = re.sub(r'<svg ([^>]*?)width="[^"]+" height="[^"]+"', r"<svg \1", svg, count=1)
    svg = svg.replace("<svg ", f'<svg class="chart" role="img" aria-label="{escape(label)}" ', 1)
    return svg.strip() + "\n"


def _wrap(labels: Sequence[str], width: int = 16) -> list[str]:
    """Long category names on two or three lines instead of overlapping their neighbours."""
    return [textwrap.fill(str(label), width=width, break_long_words=True) if len(str(label)) > width else str(label) for label in labels]


def _side_legend(ax, **kw) -> None:
    """Legend to the right of the plot, one entry per line: never wider than the figure."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), ncols=1, borderaxespad=0.0, **kw)


def _empty(fig, ax, title: str, message: str, name: str) -> str:
    """A chart frame that says why there is nothing to draw."""
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color=MUTED)
    fig.tight_layout()
    return _to_svg(fig, name, f"{title}: {message}")


def _money_axis(symbol: str):
    def fmt(value, _pos):
        v = abs(value)
        sign = "-" if value < 0 else ""
        if v >= 1e6:
            return f"{sign}{symbol}{v / 1e6:,.1f}M".replace(".0M", "M")
        if v >= 1e3:
            return f"{sign}{symbol}{v / 1e3:,.0f}k"
        return f"{sign}{symbol}{v:,.0f}"

    return FuncFormatter(fmt)


def _percent_axis():
    return FuncFormatter(lambda value, _pos: f"{value * 100:.0f}%")


def _grid(ax, axis: str = "y") -> None:
    ax.grid(axis=axis, color=GRID, linewidth=0.5)
    ax.set_axisbelow(True)


@_styled
def arr_and_accounts_by_tier(
    tiers: Sequence[str],
    arr_share: Sequence[float],
    account_share: Sequence[float],
    bands: Sequence[tuple[str, float, float]],
) -> str:
    """Two panels: share of ARR and share of accounts per tier, each tier's band shaded on its basis."""
    fig, (ax_arr, ax_acc) = _figure(2.2 + 0.28 * len(tiers), ncols=2, sharey=True)
    ypos = list(range(len(tiers)))
    colours = tier_colours(len(tiers))
    for ax, shares, basis, title in (
        (ax_arr, arr_share, "ARR", "Share of ARR"),
        (ax_acc, account_share, "Accounts", "Share of accounts"),
    ):
        for y, (b_basis, lo, hi) in zip(ypos, bands):
            if b_basis == basis and hi is not None and lo is not None:
                ax.barh(y, hi - lo, left=lo, height=0.86, color=BAND, edgecolor="#A9D18E", linewidth=0.6, zorder=1)
        ax.barh(ypos, shares, height=0.5, color=colours, zorder=2)
        for y, s in zip(ypos, shares):
            ax.text(s + 0.01, y, f"{s * 100:.1f}%", va="center", ha="left", fontsize=8, zorder=3)
        ax.set_xlim(0, 1.12)
        ax.xaxis.set_major_formatter(_percent_axis())
        ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
        ax.set_title(title)
        _grid(ax, "x")
    ax_arr.set_yticks(ypos, _wrap(tiers))
    ax_arr.invert_yaxis()
    handles = [plt.Rectangle((0, 0), 1, 1, color=BAND, ec="#A9D18E", lw=0.6)]
    fig.legend(handles, ["Target band of the tier (on the basis the Tiers sheet names)"], loc="lower left", bbox_to_anchor=(0.01, 0.0))
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return _to_svg(fig, "arr-accounts", "Share of ARR and share of accounts by tier, with target bands")


@_styled
def cost_vs_value_by_tier(tiers: Sequence[str], cost: Sequence[float], value: Sequence[float], symbol: str) -> str:
    """Grouped bars per tier: planned cost to serve next to Assessed Service Value."""
    fig, ax = _figure(2.6)
    x = list(range(len(tiers)))
    w = 0.38
    ax.bar([i - w / 2 for i in x], cost, width=w, color=TIER_BLUES[1], label="Cost to serve")
    ax.bar([i + w / 2 for i in x], value, width=w, color=VALUE_GREEN, label="Assessed Service Value")
    ax.set_xticks(x, _wrap(tiers, 14 if len(tiers) > 4 else 24))
    ax.yaxis.set_major_formatter(_money_axis(symbol))
    ax.yaxis.set_major_locator(MaxNLocator(5))
    ax.set_title("Cost to serve and Assessed Service Value per tier (per year)")
    ax.legend(loc="upper right", ncols=2, frameon=True, facecolor="white", edgecolor="none", framealpha=1)
    ax.set_ylim(0, max([*cost, *value, 1]) * 1.18)
    _grid(ax)
    fig.tight_layout()
    return _to_svg(fig, "cost-value", "Cost to serve and Assessed Service Value per tier")


@_styled
def budget_frontier(
    budgets: Sequence[float],
    values: Sequence[float | None],
    budget: float | None,
    plan_cost: float | None,
    plan_value: float | None,
    symbol: str,
    value_label: str,
    smallest_feasible: float | None = None,
) -> str:
    """The value the best plan reaches at each budget; budgets without a plan left blank; the budget and this plan marked."""
    fig, ax = _figure(2.7)
    pts = [(b, v) for b, v in zip(budgets, values) if v is not None and b is not None]
    if not pts:
        message = "No plan at any budget tried: a requirement other than the budget has to change."
        return _empty(fig, ax, "Budget frontier: what each budget buys", message, "frontier")
    if pts:
        ax.plot([q[0] for q in pts], [q[1] for q in pts], color=TIER_BLUES[1], linewidth=1.6, marker="o", markersize=3.5,
                label="Best plan at this budget", zorder=3)
    xs = [b for b in budgets if b is not None]
    missing = [b for b, v in zip(budgets, values) if v is None and b is not None]
    if missing:
        ax.plot(missing, [0] * len(missing), linestyle="none", marker="x", color=MUTED, markersize=5, label="No plan at this budget", zorder=3)
    if smallest_feasible is not None:
        ax.axvline(smallest_feasible, color=MUTED, linewidth=0.9, linestyle="--", label="Smallest budget that works")
        xs.append(smallest_feasible)
    if budget is not None:
        ax.axvline(budget, color=ACCENT, linewidth=1.0, linestyle=":", label="Budget")
        xs.append(budget)
    if plan_cost is not None and plan_value is not None:
        ax.plot([plan_cost], [plan_value], marker="D", color=ACCENT, markersize=6, linestyle="none", label="This plan", zorder=4)
    if xs:
        lo, hi = min(xs), max(xs)
        pad = (hi - lo) * 0.05 or hi * 0.05 or 1.0
        ax.set_xlim(lo - pad, hi + pad)
    ax.set_ylim(bottom=0)
    ax.xaxis.set_major_formatter(_money_axis(symbol))
    ax.yaxis.set_major_formatter(_money_axis(symbol))
    ax.xaxis.set_major_locator(MaxNLocator(6))
    ax.yaxis.set_major_locator(MaxNLocator(5))
    ax.set_xlabel("Annual CS budget")
    ax.set_ylabel(value_label)
    ax.set_title("Budget frontier: what each budget buys")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    _grid(ax, "both")
    fig.tight_layout()
    return _to_svg(fig, "frontier", "Budget frontier: value reached at each budget")


@_styled
def headcount_by_role_and_tier(
    roles: Sequence[str],
    tiers: Sequence[str],
    fte: Sequence[Sequence[float]],
    shared: Sequence[float] | None = None,
) -> str:
    """Stacked horizontal bars: one bar per role, one segment per tier (fte[role][tier]), pooled people in grey."""
    fig, ax = _figure(max(1.3 + 0.32 * len(roles), 0.9 + 0.17 * (len(tiers) + 1)))
    if not roles:
        return _empty(fig, ax, "Headcount by role and tier", "No headcount is planned: no plan meets the requirements.", "headcount")
    y = list(range(len(roles)))
    left = [0.0] * len(roles)
    series = [(tier, [row[j] for row in fte], colour) for j, (tier, colour) in enumerate(zip(tiers, tier_colours(len(tiers))))]
    if shared is not None and any(shared):
        series.append(("Shared across tiers", list(shared), "#BFBFBF"))
    for label, seg, colour in series:
        ax.barh(y, seg, left=left, height=0.58, color=colour, label=label, edgecolor="white", linewidth=0.5)
        left = [a + b for a, b in zip(left, seg)]
    total = max(left) if left else 0
    for yi, t in zip(y, left):
        label = f"{t:,.0f}" if abs(t - round(t)) < 0.05 else f"{t:,.1f}"
        ax.text(t + total * 0.01, yi, label, va="center", ha="left", fontsize=8)
    ax.set_yticks(y, list(roles))
    ax.invert_yaxis()
    ax.set_xlim(0, (total or 1) * 1.1)
    ax.set_xlabel("People")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("Headcount by role and tier")
    _side_legend(ax)
    _grid(ax, "x")
    fig.tight_layout()
    return _to_svg(fig, "headcount", "Headcount by role and tier")


@_styled
def score_distribution(
    scores_by_tier: Sequence[Sequence[float]],
    tiers: Sequence[str],
    cutoffs: Sequence[tuple[str, float]],
) -> str:
    """Stacked histogram of composite scores (0-100) coloured by final tier, cut-offs as vertical lines."""
    fig, ax = _figure(2.7)
    bins = [i * 2.5 for i in range(41)]
    colours = tier_colours(len(tiers))
    data = [list(s) for s in scores_by_tier]
    if any(data):
        ax.hist(data, bins=bins, stacked=True, color=colours, label=list(tiers), edgecolor="white", linewidth=0.3)
    shown = [(label, cut) for label, cut in cutoffs if cut is not None and math.isfinite(cut)]
    styles = ("--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 2)))
    for i, (label, cut) in enumerate(shown):
        ax.axvline(cut, color=ACCENT, linewidth=1.1, linestyle=styles[i % len(styles)], label=f"{label} from {cut:.2f}")
    ax.set_xlim(0, 100)
    ax.set_xlabel("Composite score (0-100)")
    ax.set_ylabel("Accounts")
    ax.set_title("Score distribution by final tier, with the score cut-offs")
    _side_legend(ax, fontsize=7.5)
    _grid(ax)
    fig.tight_layout()
    return _to_svg(fig, "scores", "Distribution of composite scores with the tier cut-offs")


@_styled
def retention_by_tier(tiers: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]]) -> str:
    """Grouped horizontal bars per tier, one bar per measure (shares, e.g. logo renewal, GRR, NRR); a gap where unknown."""
    known = [(label, values) for label, values in series if any(v is not None for v in values)]
    fig, ax = _figure(1.2 + 0.22 * len(tiers) * max(len(known), 1))
    if not known or not tiers:
        return _empty(fig, ax, "Renewal and revenue retention per tier", "no outcome columns to measure", "retention")
    colours = (TIER_BLUES[0], TIER_BLUES[3], VALUE_GREEN, ACCENT)
    h = 0.8 / len(known)
    top = 0.0
    for j, (label, values) in enumerate(known):
        ys = [i + (j - (len(known) - 1) / 2) * h for i in range(len(tiers))]
        shown = [(y, v) for y, v in zip(ys, values) if v is not None]
        ax.barh([y for y, _ in shown], [v for _, v in shown], height=h * 0.9, color=colours[j % len(colours)], label=label)
        for y, v in shown:
            ax.text(v + 0.01, y, f"{v * 100:.0f}%", va="center", ha="left", fontsize=7.5)
            top = max(top, v)
    ax.set_yticks(range(len(tiers)), _wrap(tiers))
    ax.invert_yaxis()
    ax.set_xlim(0, max(1.0, top) * 1.12)
    ax.xaxis.set_major_formatter(_percent_axis())
    ax.set_title("Renewal and revenue retention per tier, over the review period")
    _grid(ax, "x")
    _side_legend(ax)
    fig.tight_layout()
    return _to_svg(fig, "retention", "Renewal and revenue retention per tier")


@_styled
def pilot_differences(rows: Sequence[tuple[str, float | None, float | None, float | None, str]]) -> str:
    """One line per pilot: the difference against its baseline with its 95% interval, each on its own scale
    (``rows``: name, difference, low, high, unit label), a line at no difference."""
    shown = [(name, diff, lo, hi, unit) for name, diff, lo, hi, unit in rows if diff is not None]
    fig, axes = plt.subplots(max(len(shown), 1), 1, figsize=(WIDTH_IN, max(1.8, 0.5 + 0.62 * max(len(shown), 1))), squeeze=False)
    if not shown:
        return _empty(fig, axes[0][0], "Pilot results", "no pilot has a result yet", "pilots")
    for ax, (name, diff, lo, hi, unit) in zip(axes[:, 0], shown):
        lo = diff if lo is None else lo
        hi = diff if hi is None else hi
        span = max(abs(lo), abs(hi), abs(diff), 1e-9) * 1.25
        ax.axvline(0, color=MUTED, linewidth=0.8)
        colour = VALUE_GREEN if lo > 0 else ACCENT if hi < 0 else TIER_BLUES[2]
        ax.plot([lo, hi], [0, 0], color=colour, linewidth=2.2, solid_capstyle="butt")
        ax.plot([diff], [0], "o", color=colour, markersize=6)
        ax.set_xlim(-span, span)
        ax.set_yticks([0], [textwrap.shorten(str(name), 28, placeholder="...")])
        ax.set_ylim(-0.6, 0.6)
        ax.tick_params(axis="x", labelsize=7.5)
        ax.set_xlabel(unit, fontsize=7.5, color=MUTED, labelpad=1)
        ax.spines["left"].set_visible(False)
        _grid(ax, "x")
    axes[0][0].set_title("Pilot against baseline: difference and 95% confidence interval (0 = no difference)")
    fig.tight_layout(h_pad=0.4)
    return _to_svg(fig, "pilots", "Pilot results: difference against the baseline with 95% confidence intervals")
