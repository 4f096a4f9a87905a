"""Plots on synthetic frames shaped like Result.daily / Result.summary / an audit's people."""

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from goodhart import plot

VARIANTS = ["base", "no_board", "caps"]


def daily_frame(days=20, with_board=("base",)):
    rows = []
    metrics = ["spend_usd", "cumulative_spend_usd", "goodhart_gap_rank", "leaderboard_cutoff"]
    metrics += [f"spend_{p}_usd" for p in plot.PURPOSE_COLOURS]
    rng = np.random.default_rng(0)
    for k, v in enumerate(VARIANTS):
        for d in range(days):
            date = pd.Timestamp("2026-01-05") + pd.Timedelta(days=d)
            for m in metrics:
                if m == "leaderboard_cutoff" and v not in with_board:
                    continue
                x = (k + 1) * (d + 1) if m.startswith("cum") else rng.uniform(1, 10)
                rows.append(dict(variant=v, day=d, date=date, metric=m, p5=0.8 * x, p50=x,
                                 p95=1.2 * x, mean=x))
    return pd.DataFrame(rows)


def summary_frame():
    rows = []
    for k, v in enumerate(VARIANTS):
        for f, x in (("spend_usd", 1000.0 * (k + 1)), ("theatre_share", 0.1 * (k + 1)),
                     ("budget_exhausted_day", np.nan if k else 12.0)):
            rows.append(dict(variant=v, figure=f, p5=0.9 * x, p50=x, p95=1.1 * x, mean=x))
    return pd.DataFrame(rows)


def texts(fig):
    ax = fig.axes[0]
    return ax.get_title(loc="left"), ax.get_xlabel(), ax.get_ylabel()


def legend_labels(ax):
    leg = ax.get_legend()
    return [t.get_text() for t in leg.get_texts()] if leg else []


@pytest.mark.parametrize("fn", [plot.spend_fan, plot.goodhart_gap])
def test_band_charts(fn):
    fig = fn(daily_frame())
    assert isinstance(fig, Figure)
    title, xlabel, ylabel = texts(fig)
    assert title and xlabel and ylabel
    ax = fig.axes[0]
    assert legend_labels(ax) == VARIANTS
    colours = {line.get_color().upper() for line in ax.get_lines() if line.get_label() in VARIANTS}
    assert colours <= {c.upper() for c in plot.OKABE_ITO.values()}
    assert len(colours) == len(VARIANTS)


def test_spend_fan_draws_the_p50():
    df = daily_frame()
    ax = plot.spend_fan(df, variants=["caps"]).axes[0]
    line = [l for l in ax.get_lines() if l.get_label() == "caps"][0]
    want = df[(df.variant == "caps") & (df.metric == "cumulative_spend_usd")].sort_values("day")
    np.testing.assert_allclose(line.get_ydata(), want["p50"])


def test_spend_by_purpose_stacks_to_the_sum_of_means():
    df = daily_frame()
    ax = plot.spend_by_purpose(df, "no_board").axes[0]
    top = ax.collections[-1].get_paths()[0].vertices[:, 1].max()
    d = df[(df.variant == "no_board") & df.metric.str.match(r"spend_.*_usd") &
           (df.metric != "spend_usd")]
    assert top == pytest.approx(d.groupby("day")["mean"].sum().max())
    assert set(legend_labels(ax)) == set(plot.PURPOSE_LABELS.values())


def test_leaderboard_cutoff_shows_only_variants_with_a_board_and_says_when_none():
    ax = plot.leaderboard_cutoff(daily_frame(with_board=("base", "caps"))).axes[0]
    assert legend_labels(ax) == ["base", "caps"]
    empty = plot.leaderboard_cutoff(daily_frame(with_board=())).axes[0]
    assert any("no leaderboard" in t.get_text() for t in empty.texts)


def test_leaderboard_cutoff_splits_boards_ranking_different_metrics():
    fig = plot.leaderboard_cutoff(daily_frame(with_board=("base", "caps")),
                                  board_metrics={"base": "tokens", "caps": "outcome_per_usd"})
    assert len(fig.axes) == 2
    assert "tokens" in fig.axes[0].get_ylabel() and "per USD" in fig.axes[1].get_ylabel()


def test_variant_bars():
    fig = plot.variant_bars(summary_frame(), "theatre_share")
    ax = fig.axes[0]
    widths = [p.get_width() for p in ax.patches]
    assert widths == pytest.approx([0.1, 0.2, 0.3])  # in variant order, top to bottom
    assert [t.get_text() for t in ax.get_yticklabels()] == VARIANTS
    undefined = plot.variant_bars(summary_frame(), "budget_exhausted_day").axes[0]
    assert sum("not reached" in t.get_text() for t in undefined.texts) == 2
    with pytest.raises(ValueError, match="no figure"):
        plot.variant_bars(summary_frame(), "nope")


def test_audit_rank_scatter_marks_suspects():
    people = pd.DataFrame({"person": list("abcdef"),
                           "usage_percentile": [0.9, 0.8, 0.5, 0.3, 0.2, 0.95],
                           "outcome_percentile": [0.1, 0.7, 0.5, 0.4, 0.2, 0.2],
                           "suspect": [True, False, False, False, False, True]})
    fig = plot.audit_rank_scatter(people)
    ax = fig.axes[0]
    assert any("suspects (2)" == t for t in legend_labels(ax))
    assert {t.get_text() for t in ax.texts} >= {"a", "f"}
    assert ax.get_xlabel() and ax.get_ylabel()


def test_wrong_frames_are_value_errors():
    with pytest.raises(ValueError, match="daily"):
        plot.spend_fan(pd.DataFrame({"x": [1]}))
    with pytest.raises(ValueError, match="unknown variant"):
        plot.spend_by_purpose(daily_frame(), "nope")
    with pytest.raises(ValueError, match="people table"):
        plot.audit_rank_scatter(pd.DataFrame({"person": ["a"]}))


def test_to_png_is_a_png():
    assert plot.to_png(plot.spend_fan(daily_frame())).startswith(b"\x89PNG\r\n\x1a\n")


def test_usd_formatter():
    assert plot._fmt_usd(1_234_567) == "$1.23M"
    assert plot._fmt_usd(999) == "$999"
