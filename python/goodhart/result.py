"""Monte Carlo runs from Python: the same C++ run, bands and summary.json as `goodhart run`."""

from __future__ import annotations

import io
import json
import os
import sys
import threading
import time
from functools import cached_property
from typing import Any, NamedTuple, Sequence

import numpy as np
import pandas as pd

from . import _core
from .scenario import Scenario, load_scenario

PURPOSES = ("productive", "retry", "agent", "loop", "gaming")


class RawArrays(NamedTuple):
    """Views over the C++ result (read-only, no copies; they keep the result alive)."""

    figures: np.ndarray  # [replicate, figure]
    figure_names: list[str]
    daily: np.ndarray  # [replicate, metric, day]; NaN where a metric is undefined that day
    daily_metrics: list[str]
    people: dict[str, Any]  # replicate 0's person columns, plus "cohort_names"


class Result:
    """A finished run: `summary`, `daily`, `people`, `targets`, `alerts` as DataFrames,
    `summary_json` as the CLI's summary.json, and `raw(variant)` as numpy views."""

    def __init__(self, handle: "_core.RunHandle", scenario: Scenario, info: dict):
        self._h = handle
        self.scenario = scenario  # the scenario as it was run (a private copy)
        self.info = info  # Scenario.describe() at run time: meta, sources, targets, ...

    # Run facts ---------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._h.scenario_name

    @property
    def file(self) -> str:
        return self._h.scenario_file

    @property
    def seed(self) -> int:
        return self._h.seed

    @property
    def replicates(self) -> int:
        return self._h.replicates

    @property
    def threads(self) -> int:
        return self._h.threads

    @property
    def employees(self) -> int:
        return self._h.employees

    @property
    def days(self) -> int:
        return self._h.days

    @property
    def start(self) -> pd.Timestamp:
        return pd.Timestamp(self._h.start)

    @property
    def elapsed_seconds(self) -> float:
        return self._h.elapsed_seconds

    @property
    def variants(self) -> list[str]:
        return list(self._h.variant_names)

    @property
    def version(self) -> str:
        return _core.__version__

    # Reports -----------------------------------------------------------------------------
    @cached_property
    def summary_json(self) -> dict:
        """summary.json as `goodhart run --out` writes it, without elapsed_seconds (the one
        field that differs between two identical runs)."""
        doc = json.loads(self._h.summary_json())
        doc.pop("elapsed_seconds", None)
        return doc

    @cached_property
    def summary(self) -> pd.DataFrame:
        """One row per variant x figure: p5, p50, p95, mean over replicates, and how many
        replicates define the figure (a budget that never ran out has no exhaustion day)."""
        rows = []
        for v in self.summary_json["variants"]:
            for figure, band in v["figures"].items():
                rows.append({"variant": v["name"], "figure": figure, **band})
        df = pd.DataFrame(rows, columns=["variant", "figure", "p5", "p50", "p95", "mean",
                                         "replicates_defined"])
        for c in ("p5", "p50", "p95", "mean"):
            df[c] = df[c].astype(float)  # JSON null (undefined) -> NaN
        return df

    def figure(self, figure: str, stat: str = "p50") -> pd.Series:
        """One figure's statistic per variant, e.g. ``result.figure("spend_usd")``."""
        df = self.summary[self.summary["figure"] == figure]
        if df.empty:
            raise ValueError(f"unknown figure {figure!r}; see goodhart.FIGURES")
        return df.set_index("variant")[stat].reindex(self.variants)

    def headline(self, stat: str = "p50") -> pd.DataFrame:
        """Variants as rows, figures as columns (one statistic)."""
        return (self.summary.pivot(index="variant", columns="figure", values=stat)
                .reindex(self.variants))

    @cached_property
    def daily(self) -> pd.DataFrame:
        """Tidy daily bands, the rows of daily.csv: variant, day, date, metric, p5, p50,
        p95, mean (days where a metric is undefined in every replicate are absent)."""
        df = pd.read_csv(io.StringIO(self._h.daily_csv()), parse_dates=["date"])
        return df

    @cached_property
    def people(self) -> pd.DataFrame:
        """Replicate 0's people, all variants stacked: the columns of people.csv."""
        frames = []
        for v in self.variants:
            cols = dict(self._h.people(v))
            if not cols:
                continue
            names = cols.pop("cohort_names")
            n = len(cols["cohort"])
            df = pd.DataFrame({
                "variant": v,
                "person": pd.Series(np.arange(n)).map("e{}".format),
                "cohort": pd.Categorical.from_codes(cols.pop("cohort").astype(np.int64),
                                                    categories=names),
                "team": pd.Series(cols.pop("team")).map("t{}".format),
            })
            aware = cols.pop("aware").astype(np.int64)
            capped = cols.pop("capped_days")
            for k, col in cols.items():
                df[k] = col
            df["aware"] = aware
            df["capped_days"] = capped
            frames.append(df)
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    @cached_property
    def targets(self) -> pd.DataFrame:
        """Calibration targets with the observed P50 and whether each is met."""
        rows = []
        for v in self.summary_json["variants"]:
            for t in v["targets"]:
                rows.append({"variant": v["name"], **t})
        cols = ["variant", "name", "metric", "observed", "expectation", "met", "value", "min",
                "max", "tolerance", "source"]
        df = pd.DataFrame(rows)
        return df.reindex(columns=cols) if rows else pd.DataFrame(columns=cols)

    @cached_property
    def alerts(self) -> pd.DataFrame:
        """Budget and cap alerts of replicate 0, with their dates."""
        rows = [{"variant": v["name"], **a}
                for v in self.summary_json["variants"] for a in v.get("alerts_replicate_0", [])]
        cols = ["variant", "day", "date", "scope", "id", "kind", "period", "threshold",
                "limit_usd"]
        df = pd.DataFrame(rows).reindex(columns=cols) if rows else pd.DataFrame(columns=cols)
        df["date"] = pd.to_datetime(df["date"])
        return df

    def raw(self, variant: str = "base") -> RawArrays:
        """The arrays behind the summary, as read-only numpy views of the C++ memory."""
        return RawArrays(self._h.figures(variant), list(self._h.figure_names(variant)),
                         self._h.daily(variant), list(_core.daily_metric_names),
                         dict(self._h.people(variant)))

    def table(self) -> str:
        """The CLI's comparison table."""
        return self._h.table()

    def to_csv(self, directory: str | os.PathLike) -> None:
        """Writes summary.json, daily.csv and people.csv like `goodhart run --out`."""
        from ._io import write_atomic

        os.makedirs(directory, exist_ok=True)
        write_atomic(os.path.join(directory, "summary.json"), self._h.summary_json(2) + "\n")
        write_atomic(os.path.join(directory, "daily.csv"), self._h.daily_csv())
        write_atomic(os.path.join(directory, "people.csv"), self._h.people_csv())

    def __repr__(self) -> str:
        return (f"<goodhart.Result {self.name!r}: {len(self.variants)} variants x "
                f"{self.replicates} replicates, seed {self.seed}>")

    def _repr_html_(self) -> str:
        head = self.headline()
        cols = [c for c in ("spend_usd", "theatre_share", "value_per_usd", "goodhart_gap_rank",
                            "alerts") if c in head.columns]
        return (f"<p><b>{self.name}</b> — {self.employees} employees, {self.days} days, "
                f"{self.replicates} replicates, seed {self.seed} (P50 shown)</p>"
                + head[cols].to_html(float_format=lambda x: f"{x:,.3g}"))


def _progress_line(done: int, total: int, elapsed: float) -> str:
    frac = min(1.0, done / total) if total > 0 else 0.0
    bar = "#" * int(frac * 30) + "." * (30 - int(frac * 30))
    left = elapsed * (1 - frac) / frac if frac > 0 else float("nan")
    return f"goodhart [{bar}] {100 * frac:5.1f}%  {left:4.0f}s left"


class _Progress:
    """One updating line: a display that is replaced in place in Jupyter (a stream of "\\r"
    lines would be stored in the notebook one by one), a carriage-return line on a terminal."""

    def __init__(self) -> None:
        self._handle = None
        self._shown = False
        try:
            from IPython import get_ipython

            ip = get_ipython()
            self._jupyter = ip is not None and "IPKernelApp" in ip.config
        except ImportError:
            self._jupyter = False

    def update(self, text: str) -> None:
        if self._jupyter:
            from IPython.display import display

            if self._handle is None:
                self._handle = display({"text/plain": text}, raw=True, display_id=True)
            else:
                self._handle.update({"text/plain": text}, raw=True)
        else:
            sys.stderr.write("\r" + text + " ")
            sys.stderr.flush()
        self._shown = True

    def finish(self, text: str) -> None:
        if not self._shown:
            return
        if self._jupyter:
            self.update(text)
        else:
            sys.stderr.write("\r" + " " * 60 + "\r")
            sys.stderr.flush()


def run(scenario: Scenario | str | os.PathLike, replicates: int | None = None,
        seed: int | None = None, threads: int = 1, variants: Sequence[str] | str | None = None,
        progress: bool = True) -> Result:
    """Runs the base scenario and its variants (or the named ones; "base" is the scenario as
    written) with common random numbers. The same seed gives the same numbers as
    `goodhart run`, whatever `threads`. The GIL is released while the C++ code runs, so other
    Python threads keep going; with `progress`, a progress line appears on stderr for runs
    longer than a second."""
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if isinstance(variants, str):
        variants = [variants]
    names = list(variants or [])
    if replicates is not None and int(replicates) < 1:
        raise ValueError("replicates must be at least 1")
    if int(threads) < 1:
        raise ValueError("threads must be at least 1")
    if seed is not None and int(seed) < 0:
        raise ValueError("seed must be non-negative")
    doc = scenario._doc.copy()  # later Scenario.set calls must not change this run
    info = doc.describe()
    args = (doc, names, None if replicates is None else int(replicates),
            None if seed is None else int(seed), int(threads))

    counter = _core.ProgressCounter()
    total = _core.planned_employee_days(*args)
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["handle"] = _core.run(*args, counter)
        except BaseException as e:  # re-raised in the caller's thread
            outcome["error"] = e

    worker = threading.Thread(target=work, name="goodhart-run")
    t0 = time.monotonic()
    worker.start()
    bar = _Progress() if progress else None
    last = 0.0
    while worker.is_alive():
        worker.join(0.1)
        elapsed = time.monotonic() - t0
        # Only runs longer than a second get a line, refreshed at most twice a second.
        if bar is not None and elapsed > 1.0 and elapsed - last >= 0.5 and worker.is_alive():
            bar.update(_progress_line(counter.value, total, elapsed))
            last = elapsed
    if bar is not None:
        bar.finish(f"goodhart: {total:,} employee-days in {time.monotonic() - t0:.1f} s")
    if "error" in outcome:
        raise outcome["error"]
    return Result(outcome["handle"], Scenario(doc), info)
