"""Figures for notebooks and briefings. Every function takes a Result (or the DataFrame shape
it documents: ``Result.daily``, ``Result.summary``, an audit's people table) and returns a
matplotlib Figure with a title, units and labelled axes, in the colour-blind-safe Okabe–Ito
palette. Nothing is shown or saved: the caller decides.

Figures are made without pyplot (rendered with Agg when saved), so no GUI backend is needed,
nothing accumulates in pyplot's global state, and Jupyter shows a returned figure exactly once.
Outside Jupyter, save one with ``fig.savefig("chart.png")``."""

from __future__ import annotations

import contextlib
import io
from typing import Iterable, Sequence

import matplotlib as mpl
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

# Okabe & Ito (2008), ordered so the first colours are the most distinct on white.
OKABE_ITO = {
    "blue": "#0072B2", "vermillion": "#D55E00", "bluish_green": "#009E73",
    "orange": "#E69F00", "reddish_purple": "#CC79A7", "sky_blue": "#56B4E9",
    "yellow": "#F0E442", "black": "#000000",
}
VARIANT_COLOURS = [OKABE_ITO[k] for k in ("black", "blue", "vermillion", "bluish_green",
                                          "orange", "reddish_purple", "sky_blue")]
# Value-producing purposes in cool colours, theatre in warm ones.
PURPOSE_COLOURS = {
    "productive": OKABE_ITO["bluish_green"], "agent": OKABE_ITO["sky_blue"],
    "retry": OKABE_ITO["orange"], "loop": OKABE_ITO["vermillion"],
    "gaming": OKABE_ITO["reddish_purple"],
}
PURPOSE_LABELS = {
    "productive": "productive work", "agent": "agents' useful work", "retry": "retries",
    "loop": "runaway agent loops", "gaming": "metric gaming",
}

# Figure names -> (label, unit kind). Unit kinds pick the axis formatter.
FIGURE_LABELS = {
    "spend_usd": ("AI spend over the horizon", "usd"),
    "value_usd": ("True value produced", "usd"),
    "value_per_usd": ("True value per dollar of AI spend", "ratio"),
    "theatre_share": ("Theatre share of spend (gaming + retries + loops)", "share"),
    "goodhart_gap_rank": ("Rank correlation, rewarded metric vs true value", "corr"),
    "goodhart_gap_usd": ("Rewarded metric minus true value", "usd"),
    "spend_blocked_usd": ("Spend blocked by caps", "usd"),
    "value_lost_usd": ("Value lost to caps", "usd"),
    "alerts": ("Budget alerts fired", "count"),
    "people_capped": ("People who hit a cap", "count"),
    "budget_exhausted_day": ("Day the budget ran out", "day"),
    "spend_per_person_month_usd": ("Spend per person-month", "usd"),
    "spend_gaming_usd": ("Spend on metric gaming", "usd"),
    "tokens_total": ("Tokens", "count"),
    "adoption_weekly_min": ("Lowest weekly adoption", "share"),
    "leaderboard_cutoff_final": ("Final leaderboard cutoff", "metric"),
}

_STYLE = {
    "font.size": 11, "axes.titlesize": 13, "axes.titleweight": "bold", "axes.labelsize": 11,
    "legend.fontsize": 10, "legend.frameon": False, "axes.spines.top": False,
    "axes.spines.right": False, "axes.grid": True, "grid.color": "#dddddd",
    "grid.linewidth": 0.6, "axes.axisbelow": True, "figure.dpi": 100, "savefig.dpi": 144,
    "figure.constrained_layout.use": True,
}


@contextlib.contextmanager
def style():
    """The package's plotting defaults, without touching the caller's global rcParams."""
    with mpl.rc_context(_STYLE):
        yield


def _fmt_usd(x: float, _pos=None) -> str:
    a = abs(x)
    for div, suf in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if a >= div:
            return f"${x / div:,.3g}{suf}"
    return f"${x:,.0f}" if a >= 10 else f"${x:,.3g}"


USD = FuncFormatter(_fmt_usd)


def _formatter(kind: str):
    return {"usd": USD, "share": PercentFormatter(1.0, decimals=0)}.get(kind)


def _subtitle(ax, text: str) -> None:
    """A grey line between the title (padded by 22 pt) and the axes, in points so it sits the
    same on short and tall axes."""
    ax.annotate(text, xy=(0, 1), xycoords="axes fraction", xytext=(0, 5),
                textcoords="offset points", fontsize=9, color="#555555", va="bottom")


def _label(kind: str, v: float) -> str:
    if kind == "usd":
        return _fmt_usd(v)
    if kind == "share":
        return f"{100 * v:.1f} %"
    if kind == "ratio":
        return f"{v:,.3g}"
    return f"{v:,.3g}"


def _daily(obj) -> pd.DataFrame:
    df = obj.daily if hasattr(obj, "daily") else obj
    need = {"variant", "date", "metric", "p5", "p50", "p95", "mean"}
    if not isinstance(df, pd.DataFrame) or not need <= set(df.columns):
        raise ValueError(f"expected a Result or a daily DataFrame with columns {sorted(need)}")
    return df


def _summary(obj) -> pd.DataFrame:
    df = obj.summary if hasattr(obj, "summary") else obj
    need = {"variant", "figure", "p5", "p50", "p95"}
    if not isinstance(df, pd.DataFrame) or not need <= set(df.columns):
        raise ValueError(f"expected a Result or a summary DataFrame with columns {sorted(need)}")
    return df


def _variants(df: pd.DataFrame, variants: Iterable[str] | None) -> list[str]:
    present = list(dict.fromkeys(df["variant"]))  # run order, base first
    if variants is None:
        return present
    wanted = list(variants)
    unknown = [v for v in wanted if v not in present]
    if unknown:
        raise ValueError(f"unknown variant(s) {unknown}; this result has {present}")
    return wanted


def _colour(variant: str, order: Sequence[str]) -> str:
    return VARIANT_COLOURS[list(order).index(variant) % len(VARIANT_COLOURS)]


def _date_axis(ax) -> None:
    loc = mdates.AutoDateLocator(minticks=4, maxticks=8)
    ax.xaxis.set_major_locator(loc)
    # The offset label names the year only; the default ("2026-Nov") reads like a tick.
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(
        loc, offset_formats=["", "%Y", "%Y", "%Y", "%Y", "%Y"]))


def _band_chart(df: pd.DataFrame, metric: str, variants, title: str, ylabel: str, kind: str,
                empty_note: str, subtitle: str = "P50 line, P5–P95 band over replicates"):
    with style():
        fig = Figure(figsize=(9, 4.8))
        ax = fig.subplots()
        order = _variants(df, None)
        sel = df[df["metric"] == metric]
        drawn = 0
        for v in _variants(df, variants):
            d = sel[sel["variant"] == v].sort_values("date")
            if d.empty or d["p50"].isna().all():
                continue
            c = _colour(v, order)
            ax.fill_between(d["date"], d["p5"], d["p95"], color=c, alpha=0.15, linewidth=0)
            # Each later line is thinner, so options that coincide stay visible beneath it.
            ax.plot(d["date"], d["p50"], color=c, linewidth=max(1.2, 3.2 - 0.5 * drawn),
                    label=v)
            drawn += 1
        if drawn == 0:
            ax.text(0.5, 0.5, empty_note, transform=ax.transAxes, ha="center", va="center",
                    color="#555555")
        else:
            ax.legend(title="variant", loc="best")
        ax.set_title(title, loc="left", pad=22)
        _subtitle(ax, subtitle)
        ax.set_ylabel(ylabel)
        ax.set_xlabel("date")
        if (f := _formatter(kind)) is not None:
            ax.yaxis.set_major_formatter(f)
        _date_axis(ax)
        return fig


def spend_fan(result, cumulative: bool = True, variants: Iterable[str] | None = None) -> Figure:
    """AI spend over time per variant: P50 line with the P5–P95 band over replicates."""
    metric = "cumulative_spend_usd" if cumulative else "spend_usd"
    title = "Cumulative AI spend" if cumulative else "Daily AI spend"
    return _band_chart(_daily(result), metric, variants, title,
                       "USD, cumulative" if cumulative else "USD per day", "usd",
                       "no spend recorded")


def spend_by_purpose(result, variant: str = "base") -> Figure:
    """Daily spend of one variant stacked by purpose: what produced value (productive work,
    agents) versus theatre (retries, runaway loops, metric gaming). Means over replicates,
    because means add up to the total and medians do not."""
    df = _daily(result)
    _variants(df, [variant])
    d = df[df["variant"] == variant]
    with style():
        fig = Figure(figsize=(9, 4.8))
        ax = fig.subplots()
        dates = None
        layers, labels, colours = [], [], []
        for p in ("productive", "agent", "retry", "loop", "gaming"):
            s = d[d["metric"] == f"spend_{p}_usd"].set_index("date")["mean"].sort_index()
            if dates is None:
                dates = s.index
            layers.append(s.reindex(dates).fillna(0.0).to_numpy())
            labels.append(PURPOSE_LABELS[p])
            colours.append(PURPOSE_COLOURS[p])
        if dates is None or len(dates) == 0:
            raise ValueError(f"no spend-by-purpose series for variant {variant!r}")
        ax.stackplot(dates, *layers, labels=labels, colors=colours, alpha=0.9, linewidth=0)
        handles, labs = ax.get_legend_handles_labels()
        ax.legend(handles[::-1], labs[::-1], loc="upper left", bbox_to_anchor=(1.0, 1.0))
        ax.set_title(f"Where the money went — {variant}", loc="left", pad=22)
        _subtitle(ax, "daily spend by purpose, mean over replicates; warm colours are theatre")
        ax.set_ylabel("USD per day")
        ax.set_xlabel("date")
        ax.yaxis.set_major_formatter(USD)
        _date_axis(ax)
        return fig


LEADERBOARD_UNITS = {
    "tokens": "millions of tokens over the window",
    "spend": "USD over the window",
    "outcomes": "outcomes over the window",
    "outcome_per_usd": "outcomes per USD over the window",
}


def _board_metrics(result) -> dict[str, str]:
    """Variant -> metric of its enabled leaderboard, read from the scenario that was run."""
    scenario = getattr(result, "scenario", None)
    if scenario is None or not hasattr(result, "variants"):
        return {}
    out = {}
    for v in result.variants:
        doc = (scenario if v == "base" else scenario.with_variant(v)).to_dict()
        for inc in doc.get("incentives") or []:
            if inc.get("kind") == "leaderboard" and inc.get("enabled", True) is not False:
                out[v] = inc.get("metric", "tokens")
                break
    return out


def leaderboard_cutoff(result, variants: Iterable[str] | None = None,
                       board_metrics: dict[str, str] | None = None) -> Figure:
    """The published leaderboard cutoff (what it takes to reach the top) over time. A rising
    cutoff with flat value is the arms race; the line stops when the board is removed.
    Boards that rank different metrics (tokens, outcomes per dollar) get their own panels,
    since their cutoffs share no unit; `board_metrics` (variant -> metric) is read from the
    Result's scenario when not given."""
    df = _daily(result)
    metrics = board_metrics if board_metrics is not None else _board_metrics(result)
    names = _variants(df, variants)
    sel = df[df["metric"] == "leaderboard_cutoff"]
    has_board = [v for v in names if sel[sel["variant"] == v]["p50"].notna().any()]
    groups: dict[str, list[str]] = {}
    for v in has_board:
        groups.setdefault(metrics.get(v, ""), []).append(v)
    if len(groups) <= 1:
        unit = LEADERBOARD_UNITS.get(next(iter(groups), ""), "ranked metric over the window")
        return _band_chart(df, "leaderboard_cutoff", has_board or names,
                           "Leaderboard cutoff: what it takes to reach the top",
                           f"cutoff\n({unit})", "metric", "no leaderboard in this run")
    order = _variants(df, None)
    with style():
        fig = Figure(figsize=(9, 3.4 * len(groups)))
        axes = fig.subplots(len(groups), 1, sharex=True, squeeze=False)[:, 0]
        for ax, (metric, vs) in zip(axes, groups.items()):
            for v in vs:
                d = sel[sel["variant"] == v].sort_values("date")
                c = _colour(v, order)
                ax.fill_between(d["date"], d["p5"], d["p95"], color=c, alpha=0.15, linewidth=0)
                ax.plot(d["date"], d["p50"], color=c, linewidth=2, label=v)
            ax.set_ylabel(f"cutoff\n({LEADERBOARD_UNITS.get(metric, metric)})")
            ax.legend(title=f"boards ranking {metric or 'a metric'}", loc="best")
            _date_axis(ax)
        axes[0].set_title("Leaderboard cutoff: what it takes to reach the top", loc="left",
                          pad=22)
        _subtitle(axes[0], "P50 line, P5–P95 band over replicates; one panel per ranked metric")
        axes[-1].set_xlabel("date")
        return fig


def goodhart_gap(result, variants: Iterable[str] | None = None) -> Figure:
    """Rank correlation between the rewarded metric and true value across people, over time.
    1 means the metric ranks people as their value does; falling towards 0 is Goodhart's law
    at work (the metric stopped measuring value)."""
    fig = _band_chart(_daily(result), "goodhart_gap_rank", variants,
                      "Goodhart gap: does the rewarded metric still track value?",
                      "rank correlation (Spearman ρ)\nmetric vs true value", "corr",
                      "no rewarded metric in this run")
    ax = fig.axes[0]
    ax.axhline(0, color="#888888", linewidth=0.8)
    lo, hi = ax.get_ylim()
    ax.set_ylim(min(lo, -0.05), max(hi, 1.0))
    return fig


def variant_bars(result, figure: str = "spend_usd",
                 variants: Iterable[str] | None = None) -> Figure:
    """One figure compared across variants: P50 bars with P5–P95 whiskers."""
    df = _summary(result)
    sel = df[df["figure"] == figure]
    if sel.empty:
        raise ValueError(f"no figure {figure!r} in this result")
    order = _variants(df, None)
    names = _variants(df, variants)
    sel = sel.set_index("variant").reindex(names)
    label, kind = FIGURE_LABELS.get(figure, (figure.replace("_", " "), "count"))
    with style():
        fig = Figure(figsize=(9, 0.6 * len(names) + 1.6))
        ax = fig.subplots()
        y = np.arange(len(names))[::-1]
        p50 = sel["p50"].to_numpy(dtype=float)
        lo = p50 - sel["p5"].to_numpy(dtype=float)
        hi = sel["p95"].to_numpy(dtype=float) - p50
        ax.barh(y, np.nan_to_num(p50), color=[_colour(v, order) for v in names], alpha=0.85,
                height=0.6)
        ax.errorbar(p50, y, xerr=[np.nan_to_num(lo), np.nan_to_num(hi)], fmt="none",
                    ecolor="#333333", capsize=4, linewidth=1.2)
        f = _formatter(kind)
        p95 = sel["p95"].to_numpy(dtype=float)
        for yi, v, top in zip(y, p50, p95):
            # Right of the whisker, so the value never sits on it.
            x = 0.0 if np.isnan(v) else (top if np.isfinite(top) else v)
            ax.annotate("not reached" if np.isnan(v) else _label(kind, v), (x, yi),
                        xytext=(8, 0), textcoords="offset points", va="center", fontsize=10,
                        color="#333333")
        ax.margins(x=0.12)
        ax.set_yticks(y, names)
        ax.set_title(label, loc="left", pad=22)
        _subtitle(ax, "P50 bar, P5–P95 whisker over replicates")
        ax.set_xlabel({"usd": "USD", "share": "share of spend", "ratio": "USD of value per USD",
                       "corr": "Spearman ρ", "day": "day of the horizon"}.get(kind, label))
        if f is not None:
            ax.xaxis.set_major_formatter(f)
        ax.grid(axis="y", visible=False)
        return fig


def audit_rank_scatter(audit, min_usage_percentile: float = 0.9, min_gap: float = 0.6,
                       label_suspects: int = 10) -> Figure:
    """Usage rank against outcome rank per person from an audit (an AuditResult, or its
    `people` table: usage_percentile, outcome_percentile, suspect, person). Ranks are
    percentiles within each person's cohort, 1 = the most. People far above the diagonal use
    far more than their outcomes rank them: tokenmaxxing suspects, marked and named. The
    shaded area is the suspect rule (the audit's thresholds, given here)."""
    people = audit.people if hasattr(audit, "people") else audit
    need = {"usage_percentile", "outcome_percentile", "suspect"}
    if not isinstance(people, pd.DataFrame) or not need <= set(people.columns):
        raise ValueError(f"expected an AuditResult or a people table with columns {sorted(need)}")
    if "ranked" in people.columns:  # organisation and group lines are never ranked
        people = people[people["ranked"].astype(bool)]
    with style():
        fig = Figure(figsize=(7, 6.5))
        ax = fig.subplots()
        # Suspect zone: usage >= threshold and usage - outcome >= gap.
        u0 = max(min_usage_percentile, min_gap)  # lowest usage that can satisfy both
        xs = np.array([0.0, u0 - min_gap, 1.0 - min_gap, 0.0])
        ys = np.array([u0, u0, 1.0, 1.0])
        ax.fill(xs, ys, color=OKABE_ITO["vermillion"], alpha=0.08, linewidth=0,
                label="suspect zone")
        sus = people["suspect"].astype(bool)
        ax.scatter(people.loc[~sus, "outcome_percentile"], people.loc[~sus, "usage_percentile"],
                   s=28, color=OKABE_ITO["blue"], alpha=0.6, linewidth=0, label="others")
        ax.scatter(people.loc[sus, "outcome_percentile"], people.loc[sus, "usage_percentile"],
                   s=60, marker="D", color=OKABE_ITO["vermillion"], edgecolor="black",
                   linewidth=0.6, label=f"suspects ({int(sus.sum())})")
        ax.plot([0, 1], [0, 1], color="#888888", linewidth=1, linestyle="--",
                label="usage rank = outcome rank")
        if "person" in people.columns and label_suspects:
            top = people[sus].sort_values("usage_percentile", ascending=False)
            for _, r in top.head(label_suspects).iterrows():
                ax.annotate(str(r["person"]), (r["outcome_percentile"], r["usage_percentile"]),
                            xytext=(6, -3), textcoords="offset points", fontsize=9)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.02)
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_xlabel("outcome percentile within cohort (100 % = most outcomes)")
        ax.set_ylabel("usage percentile within cohort (100 % = most spend)")
        ax.set_title("Usage rank vs outcome rank", loc="left", pad=22)
        _subtitle(ax, "top left: heavy users whose outcomes rank low")
        ax.legend(loc="lower right")
        return fig


def audit_correlation(audit) -> Figure:
    """Rank correlation of spend with outcomes per period: how much usage still says about
    output. A falling line is the signature of usage being gamed."""
    df = audit.correlation if hasattr(audit, "correlation") else audit
    need = {"period", "rho_outcomes"}
    if not isinstance(df, pd.DataFrame) or not need <= set(df.columns):
        raise ValueError(f"expected an AuditResult or a correlation table with {sorted(need)}")
    with style():
        fig = Figure(figsize=(9, 4.2))
        ax = fig.subplots()
        dates = pd.to_datetime(df["period"])
        ax.plot(dates, df["rho_outcomes"].astype(float), marker="o", linewidth=2,
                color=OKABE_ITO["blue"], label="all measured outcomes")
        if "rho_prs" in df.columns:
            ax.plot(dates, df["rho_prs"].astype(float), marker="s", linewidth=2,
                    color=OKABE_ITO["orange"], label="pull requests")
        ax.axhline(0, color="#888888", linewidth=0.8)
        ax.set_ylim(min(-0.05, ax.get_ylim()[0]), 1.0)
        ax.set_ylabel("rank correlation (Spearman ρ)\nspend vs outcomes")
        ax.set_xlabel("period starting")
        ax.set_title("Does spend still track output?", loc="left", pad=22)
        _subtitle(ax, "per period, across people; falling = usage says less about output")
        ax.legend(loc="lower left")
        _date_axis(ax)
        return fig


def tornado(df: pd.DataFrame, output: str | None = None, variant: str | None = None) -> Figure:
    """Tornado chart of a one-at-a-time sweep (`goodhart.sweep.tornado`'s table)."""
    from . import sweep  # sweep imports this module; import on use

    return sweep.tornado_plot(df, output=output, variant=variant)


def sobol(df: pd.DataFrame, output: str | None = None, variant: str | None = None) -> Figure:
    """First-order and total Sobol' indices with their intervals (`goodhart.sweep.sobol`)."""
    from . import sweep

    return sweep.sobol_plot(df, output=output, variant=variant)


def to_png(fig: Figure, dpi: int = 144) -> bytes:
    """The figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()
