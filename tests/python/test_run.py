"""Runs from Python: result types and shapes, views without copies, CLI agreement, the GIL."""

import gc
import io
import json
import os
import subprocess
import threading
import time

import numpy as np
import pandas as pd
import pytest

import goodhart
from goodhart import _core
from conftest import SMALL

SUMMARY_COLUMNS = ["variant", "figure", "p5", "p50", "p95", "mean", "replicates_defined"]
DAILY_COLUMNS = ["variant", "day", "date", "metric", "p5", "p50", "p95", "mean"]


def test_result_facts(small_result):
    r = small_result
    s = goodhart.load_scenario(SMALL)
    assert isinstance(r, goodhart.Result)
    assert r.variants == ["base"] + s.variants
    assert r.replicates == s.get("monte_carlo.replicates")
    assert r.seed == s.get("monte_carlo.seed")
    assert r.days == s.get("horizon.days")
    assert r.employees == sum(c["headcount"] for c in s.to_dict()["cohorts"])
    assert r.start == pd.Timestamp(s.get("horizon.start"))


def test_summary_frame(small_result):
    df = small_result.summary
    assert list(df.columns) == SUMMARY_COLUMNS
    assert set(df["variant"]) == set(small_result.variants)
    assert set(df["figure"]) == set(goodhart.FIGURES)
    assert len(df) == len(small_result.variants) * len(goodhart.FIGURES)
    ok = df.dropna(subset=["p5", "p95"])
    assert (ok["p5"] <= ok["p50"]).all() and (ok["p50"] <= ok["p95"]).all()


def test_summary_agrees_with_raw_figures(small_result):
    # The summary comes from C++ bands, the raw block from the packed replicates: the same
    # numbers reached two ways, so a misaligned figure name or variant would show here.
    for v in small_result.variants:
        raw = small_result.raw(v)
        assert raw.figures.shape == (small_result.replicates, len(raw.figure_names))
        means = small_result.summary[small_result.summary["variant"] == v].set_index("figure")
        for k, name in enumerate(raw.figure_names):
            col = raw.figures[:, k]
            col = col[np.isfinite(col)]
            expected = means.loc[name, "mean"]
            if col.size == 0:
                assert np.isnan(expected)
            else:
                assert expected == pytest.approx(col.mean(), rel=1e-12, abs=1e-12), name
                assert means.loc[name, "replicates_defined"] == col.size


def test_daily_frame_agrees_with_raw_daily(small_result):
    df = small_result.daily
    assert list(df.columns) == DAILY_COLUMNS
    assert pd.api.types.is_datetime64_any_dtype(df["date"])
    assert set(df["metric"]) <= set(goodhart.DAILY_METRICS)
    raw = small_result.raw("base")
    assert raw.daily.shape == (small_result.replicates, len(goodhart.DAILY_METRICS),
                               small_result.days)
    m = goodhart.DAILY_METRICS.index("cumulative_spend_usd")
    got = df[(df["variant"] == "base") & (df["metric"] == "cumulative_spend_usd")]
    got = got.sort_values("day")["mean"].to_numpy()
    # daily.csv carries 10 significant digits
    np.testing.assert_allclose(got, np.nanmean(raw.daily[:, m, :], axis=0), rtol=1e-9)
    assert (np.diff(got) >= 0).all()  # cumulative


def test_people_frame(small_result):
    p = small_result.people
    header = small_result._h.people_csv().splitlines()[0].split(",")
    assert list(p.columns) == header
    per_variant = p.groupby("variant").size()
    assert set(per_variant.index) == set(small_result.variants)
    assert (per_variant == per_variant.iloc[0]).all()
    assert 0 < per_variant.iloc[0] <= small_result.employees
    assert set(p["cohort"].cat.categories) == {"engineers", "support"}
    # Spend by person adds up to replicate 0's total spend.
    fig = small_result.raw("base")
    k = fig.figure_names.index("spend_usd")
    assert p[p["variant"] == "base"]["spend_usd"].sum() == pytest.approx(fig.figures[0, k],
                                                                          rel=1e-9)


def test_raw_arrays_are_read_only_views_that_keep_the_result_alive():
    r = goodhart.run(SMALL, replicates=2, variants="base", progress=False)
    a, b = r.raw("base"), r.raw("base")
    assert np.shares_memory(a.figures, b.figures)  # no copy per access
    assert np.shares_memory(a.people["spend_usd"], b.people["spend_usd"])
    assert not a.figures.flags.writeable and not a.people["spend_usd"].flags.writeable
    with pytest.raises(ValueError):
        a.figures[0, 0] = 1.0
    expected = a.figures.copy()
    del r, b
    gc.collect()
    np.testing.assert_array_equal(a.figures, expected)


def test_targets_and_alerts_frames(small_result):
    t = small_result.targets
    assert {"variant", "name", "metric", "observed", "expectation", "met", "source"} <= set(t)
    assert len(t) == len(goodhart.load_scenario(SMALL).describe()["targets"])
    a = small_result.alerts
    assert {"variant", "day", "date", "scope", "threshold"} <= set(a.columns)


def test_summary_json_has_cli_shape(small_result):
    j = small_result.summary_json
    assert "elapsed_seconds" not in j
    assert [v["name"] for v in j["variants"]] == small_result.variants
    assert j["seed"] == small_result.seed and j["version"] == goodhart.__version__


def test_variant_selection_and_errors():
    r = goodhart.run(SMALL, replicates=1, variants=["caps"], progress=False)
    assert r.variants == ["caps"]
    with pytest.raises(ValueError, match="no_board"):  # the message lists the real names
        goodhart.run(SMALL, replicates=1, variants=["nope"], progress=False)
    with pytest.raises(ValueError, match="no variant"):
        r.raw("base")
    with pytest.raises(ValueError):
        goodhart.run(SMALL, replicates=0, progress=False)


def test_same_seed_same_numbers_any_threads_other_seed_differs():
    a = goodhart.run(SMALL, replicates=2, seed=5, threads=1, progress=False)
    b = goodhart.run(SMALL, replicates=2, seed=5, threads=2, progress=False)
    c = goodhart.run(SMALL, replicates=2, seed=6, threads=1, progress=False)
    for v in a.variants:
        np.testing.assert_array_equal(a.raw(v).figures, b.raw(v).figures)
    assert not np.array_equal(a.raw("base").figures, c.raw("base").figures, equal_nan=True)


def test_overrides_reach_the_run():
    s = goodhart.load_scenario(SMALL).set("cohorts.support.headcount", 0)
    r = goodhart.run(s, replicates=1, variants="base", progress=False)
    assert r.employees == s.get("cohorts.engineers.headcount")
    s.set("cohorts.support.headcount", 50)  # after the run: the result must not change
    assert r.scenario.get("cohorts.support.headcount") == 0


def test_progress_counter_reaches_planned_total():
    doc = goodhart.load_scenario(SMALL)._doc
    counter = _core.ProgressCounter()
    planned = _core.planned_employee_days(doc, [], 2, None, 1)
    _core.run(doc, [], 2, None, 1, counter)
    assert counter.value == planned > 0


def test_cli_and_python_agree(cli, tmp_path):
    out = tmp_path / "cli"
    subprocess.run([cli, "run", SMALL, "--replicates", "3", "--seed", "99", "--threads", "1",
                    "--out", str(out), "--quiet"], check=True, capture_output=True)
    r = goodhart.run(SMALL, replicates=3, seed=99, threads=2, progress=False)
    with open(out / "summary.json", encoding="utf-8") as f:
        cli_summary = json.load(f)
    py_summary = dict(r.summary_json)
    for j in (cli_summary, py_summary):
        j.pop("elapsed_seconds", None)
        j.pop("threads")  # the one input allowed to differ: results must not depend on it
    assert py_summary == cli_summary
    cli_daily = pd.read_csv(out / "daily.csv", parse_dates=["date"])
    pd.testing.assert_frame_equal(r.daily, cli_daily)
    cli_people = pd.read_csv(out / "people.csv")
    py_people = r.people.astype({"cohort": str})
    pd.testing.assert_frame_equal(py_people, cli_people, check_dtype=False, rtol=1e-9)
    # The writer the CLI uses, called through Python, gives the same file byte for byte.
    r.to_csv(tmp_path / "py")
    assert (tmp_path / "py" / "daily.csv").read_text() == (out / "daily.csv").read_text()


def _time_run_while_ticking(doc, replicates):
    """Runs in a thread while this thread records when it gets to run."""
    done = threading.Event()

    def work():
        _core.run(doc, ["base"], replicates, None, 1, None)
        done.set()

    ticks = []
    t = threading.Thread(target=work)
    t0 = time.monotonic()
    t.start()
    while not done.is_set():
        ticks.append(time.monotonic())
        time.sleep(0.001)
    t.join()
    return time.monotonic() - t0, np.diff([t0] + ticks)


def test_run_releases_the_gil():
    doc = goodhart.load_scenario(SMALL).set("cohorts.engineers.headcount", 2000)._doc
    replicates = 2
    duration, gaps = _time_run_while_ticking(doc, replicates)
    while duration < 0.5 and replicates < 256:  # long enough to tell, on any machine
        replicates *= 4
        duration, gaps = _time_run_while_ticking(doc, replicates)
    assert duration >= 0.5
    # Holding the GIL would freeze this thread for the whole C++ run.
    assert gaps.max() < 0.25 * duration, (gaps.max(), duration)
    assert len(gaps) > 50


def test_table_and_repr(small_result):
    assert "variant" in small_result.table()
    assert small_result.name in repr(small_result)
    html = small_result._repr_html_()
    assert all(v in html for v in small_result.variants)
