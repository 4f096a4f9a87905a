"""Parameter sweeps and sensitivity analysis: which assumptions a projection depends on.

    import goodhart.sweep as gs
    df = gs.run("scenarios/sweeps/kirorank_sobol.yaml", out="runs/kirorank")  # one row per point
    s = gs.sobol(df)                        # Sobol' indices with bootstrap intervals
    gs.sobol_plot(s)                        # matplotlib Figure

A sweep file (docs/sweeps.md) names a scenario, the parameters to vary (dotted paths with a
range or a list of values), a design (grid, lhs, sobol, saltelli, oat), replicates and
outputs. Every number comes from the C++ core, the same code as `goodhart sweep`: for a given
sweep file the rows are the same locally, on a Dask cluster (`client=`) and from the CLI,
whatever the thread count or the shard.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import threading
import time
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from . import _core
from . import plot as _plot
from .plot import FIGURE_LABELS, OKABE_ITO, style

try:  # the package's progress line (Jupyter display or terminal)
    from .result import _Progress
except ImportError:  # pragma: no cover - a plain stderr line instead
    class _Progress:  # type: ignore[no-redef]
        def update(self, text: str) -> None:
            sys.stderr.write("\r" + text + " ")

        def finish(self, text: str) -> None:
            sys.stderr.write("\r" + text + "\n")

__all__ = ["Sweep", "load", "run", "results", "sobol", "tornado", "sobol_plot", "tornado_plot",
           "sobol_points", "latin_hypercube", "saltelli_design"]


_native = _core  # the sweep functions live in the extension (bindings/sweep_bindings.cpp)


# ---------------------------------------------------------------- definitions

def _yaml_text(definition: Mapping[str, Any]) -> str:
    data = dict(definition)
    if "sweep" not in data:
        data = {"sweep": data}
    try:
        import yaml  # PyYAML, when installed: block style, readable locations in messages

        return yaml.safe_dump(data, sort_keys=False, default_flow_style=False)
    except ImportError:  # JSON is YAML too
        return json.dumps(data, indent=1)


class Sweep:
    """A checked sweep definition and its design points (no point has run yet).

    `len(sweep)` is the number of points; `plan()` lists them with their seeds."""

    def __init__(self, native, spec: tuple) -> None:
        self._native = native
        self._spec = spec  # (text, name, base_dir, replicates): enough to rebuild it anywhere

    # Descriptive properties, straight from the C++ definition.
    name = property(lambda self: self._native.name)
    description = property(lambda self: self._native.description)
    file = property(lambda self: self._native.file)
    scenario_file = property(lambda self: self._native.scenario_file)
    design = property(lambda self: self._native.design)
    replicates = property(lambda self: self._native.replicates)
    seed = property(lambda self: self._native.seed)
    outputs = property(lambda self: list(self._native.outputs))
    variants = property(lambda self: list(self._native.variants))
    columns = property(lambda self: list(self._native.columns))
    definition_hash = property(lambda self: self._native.definition_hash)

    @property
    def parameters(self) -> list[dict[str, Any]]:
        """Each parameter: name, path, and min/max/scale or values."""
        return list(self._native.parameters)

    @property
    def parameter_names(self) -> list[str]:
        return [p["name"] for p in self._native.parameters]

    def __len__(self) -> int:
        return len(self._native)

    def __repr__(self) -> str:
        return (f"<goodhart sweep {self.name or self.file!r}: {self.design}, {len(self)} points "
                f"x {self.replicates} replicates, {len(self.parameter_names)} parameters>")

    def plan(self) -> pd.DataFrame:
        """The design points: point, each parameter's value, seed (as `goodhart sweep --plan`)."""
        names = self.parameter_names
        recs = [[k, *self._native.values(k), self._native.point_seed(k)] for k in range(len(self))]
        df = pd.DataFrame(recs, columns=["point", *names, "seed"])
        df["seed"] = df["seed"].astype("uint64")
        return df

    def _meta(self) -> dict[str, Any]:
        return {"file": self.file, "name": self.name, "design": self.design, "points": len(self),
                "parameters": self.parameter_names, "outputs": self.outputs,
                "variants": self.variants, "seed": int(self.seed),
                "replicates": self.replicates, "definition_hash": self.definition_hash}


def load(sweep: Sweep | str | os.PathLike | Mapping[str, Any], replicates: int | None = None,
         base_dir: str | os.PathLike | None = None) -> Sweep:
    """Reads and checks a sweep: a file, or a dict with the content of its `sweep:` block (a
    relative `scenario` in a dict is read from `base_dir`, default the working directory).
    Problems raise ValueError with file:line:col. `replicates` overrides the file's."""
    if isinstance(sweep, Sweep):
        if replicates is None or replicates == sweep.replicates:
            return sweep
        text, name, base, _ = sweep._spec
        spec = (text, name, base, int(replicates))
    elif isinstance(sweep, Mapping):
        base = os.path.abspath(os.fspath(base_dir) if base_dir is not None else os.getcwd())
        spec = (_yaml_text(sweep), "<sweep dict>", base, replicates)
    else:
        path = os.fspath(sweep)
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except OSError as e:
            raise ValueError(f"{path}: cannot open file ({e.strerror})") from None
        spec = (text, path, os.path.dirname(os.path.abspath(path)), replicates)
    if spec[3] is not None and int(spec[3]) < 1:
        raise ValueError("replicates must be at least 1")
    spec = (spec[0], spec[1], spec[2], None if spec[3] is None else int(spec[3]))
    return Sweep(_sweep_from_spec(spec), spec)


@functools.lru_cache(maxsize=8)
def _sweep_from_spec(spec: tuple):
    text, name, base, replicates = spec
    return _native.Sweep.from_string(text, name, base, replicates)


def _run_point_task(spec: tuple, shard: str, threads: int, point: int) -> list[tuple]:
    """One point on a Dask worker: the worker rebuilds the sweep once (cached) and calls the
    C++ core; rows come back as plain tuples."""
    return _sweep_from_spec(spec).run_point(point, threads, shard)


def _shard_text(shard) -> str:
    if shard is None:
        return "0/1"
    if isinstance(shard, str):
        i, n = _native.parse_shard(shard)
    else:
        i, n = _native.parse_shard(f"{int(shard[0])}/{int(shard[1])}")
    return f"{i}/{n}"


# ---------------------------------------------------------------- running

def _frame(sw: Sweep, rows: Iterable[tuple]) -> pd.DataFrame:
    """Rows (C++ tuples) as the DataFrame of results.csv: parameter values as Python objects,
    sorted by point and variant (in the sweep's order)."""
    recs = []
    values: dict[int, list] = {}
    for point, shard, _texts, variant, p50, mean, seed in rows:
        if point not in values:
            values[point] = sw._native.values(point)
        rec = [point, shard, *values[point], variant]
        for a, b in zip(p50, mean):
            rec += [a, b]
        rec.append(seed)
        recs.append(rec)
    df = pd.DataFrame(recs, columns=sw.columns)
    order = {v: i for i, v in enumerate(sw.variants)}
    if len(df):
        df = (df.assign(_v=df["variant"].map(order)).sort_values(["point", "_v"], kind="stable")
              .drop(columns="_v").reset_index(drop=True))
    df["point"] = df["point"].astype("int64")
    df["seed"] = df["seed"].astype("uint64")
    for c in sw.columns:
        if c.endswith("_p50") or c.endswith("_mean"):
            df[c] = df[c].astype(float)
    df.attrs["sweep"] = sw._meta()
    return df


def _progress_text(done: int, total: int, resumed: int, elapsed: float) -> str:
    frac = min(1.0, done / total) if total > 0 else 1.0
    bar = "#" * int(frac * 30) + "." * (30 - int(frac * 30))
    left = (f"~{elapsed * (1 - frac) / frac:.0f}s left" if done > 0
            else "time left: after the first point")
    extra = f" ({resumed} resumed)" if resumed else ""
    return f"goodhart sweep [{bar}] {done + resumed}/{total + resumed} points{extra}  {left}"


def run(sweep: Sweep | str | os.PathLike | Mapping[str, Any], client=None,
        out: str | os.PathLike | None = None, shard: str | tuple[int, int] | None = None,
        threads: int = 1, replicates: int | None = None, progress: bool = True,
        base_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """Runs a sweep's points and returns one row per point and variant (the columns of
    results.csv: point, shard, each parameter, variant, `<output>_p50` and `<output>_mean`
    over the replicates, seed), sorted by point.

    - `out`: a results directory, checkpointed exactly as `goodhart sweep --out`: points are
      saved as they finish, a rerun skips them, results of another definition are refused.
      The returned frame then holds every point of the shard found in `out`.
    - `shard`: "i/n" or (i, n): only the points k with k mod n == i.
    - `client`: a `dask.distributed.Client`; each point is one task calling the C++ core on a
      worker (which needs goodhart importable and the scenario files at the same paths).
      The rows equal a local run's.
    - `threads`: locally, points run side by side; on Dask, threads per task.
    """
    sw = load(sweep, replicates, base_dir)
    if int(threads) < 1:
        raise ValueError("threads must be at least 1")
    shard_s = _shard_text(shard)
    out_s = os.fspath(out) if out is not None else ""
    if client is None:
        rows = _run_local(sw, out_s, shard_s, int(threads), progress)
    else:
        rows = _run_dask(sw, client, out_s, shard_s, int(threads), progress)
    if out_s:
        i, n = (int(x) for x in shard_s.split("/"))
        rows = [r for r in sw._native.read_results(out_s) if r[0] % n == i]
    return _frame(sw, rows)


def _run_local(sw: Sweep, out: str, shard: str, threads: int, progress: bool) -> list[tuple]:
    counter = _native.SweepCounter()
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["value"] = sw._native.run(out, shard, threads, counter)
        except BaseException as e:  # re-raised in the caller's thread
            outcome["error"] = e

    worker = threading.Thread(target=work, name="goodhart-sweep")
    t0 = time.monotonic()
    worker.start()
    bar = _Progress() if progress else None
    todo = len(sw._native.pending(shard))
    last = 0.0
    while worker.is_alive():
        worker.join(0.1)
        elapsed = time.monotonic() - t0
        if bar is not None and elapsed > 1.0 and elapsed - last >= 0.5 and worker.is_alive():
            bar.update(_progress_text(counter.value, todo, 0, elapsed))
            last = elapsed
    if bar is not None:
        bar.finish(f"goodhart sweep: {counter.value} points in {time.monotonic() - t0:.1f} s")
    if "error" in outcome:
        raise outcome["error"]
    rows, _info = outcome["value"]
    return list(rows)


def _run_dask(sw: Sweep, client, out: str, shard: str, threads: int,
              progress: bool) -> list[tuple]:
    from distributed import as_completed

    checkpoint = _native.SweepCheckpoint(sw._native, out, shard) if out else None
    pending = [k for k in sw._native.pending(shard)
               if checkpoint is None or not checkpoint.done(k)]
    resumed = len(sw._native.pending(shard)) - len(pending)
    task = functools.partial(_run_point_task, sw._spec, shard, threads)
    keys = [f"goodhart-sweep-{sw.definition_hash}-{k}" for k in pending]
    futures = client.map(task, pending, key=keys)
    rows: list[tuple] = []
    bar = _Progress() if progress else None
    t0 = time.monotonic()
    done = 0
    try:
        for fut in as_completed(futures):
            point_rows = fut.result()  # a worker's ValueError (bad point) is raised here
            if checkpoint is not None:
                checkpoint.append(point_rows)
            rows.extend(point_rows)
            done += 1
            fut.release()
            if bar is not None and time.monotonic() - t0 > 1.0:
                bar.update(_progress_text(done, len(pending), resumed, time.monotonic() - t0))
    finally:
        client.cancel([f for f in futures if not f.done()])
    if bar is not None:
        bar.finish(f"goodhart sweep: {done} points on the cluster in "
                   f"{time.monotonic() - t0:.1f} s")
    return rows


def results(out: str | os.PathLike, sweep: Sweep | str | os.PathLike | Mapping[str, Any],
            replicates: int | None = None, base_dir: str | os.PathLike | None = None
            ) -> pd.DataFrame:
    """Every complete row saved in a results directory (all shards' files), sorted by point,
    without running anything. Raises ValueError when the directory holds another sweep."""
    sw = load(sweep, replicates, base_dir)
    out = os.fspath(out)
    manifest = os.path.join(out, "sweep.json")
    if os.path.exists(manifest):
        with open(manifest, encoding="utf-8") as f:
            saved = json.load(f).get("definition_hash")
        if saved != sw.definition_hash:
            raise ValueError(f"{manifest}: the results in {out} come from another definition of "
                             "this sweep (or another --replicates)")
    return _frame(sw, sw._native.read_results(out))


# ---------------------------------------------------------------- sensitivity

def _meta_of(df: pd.DataFrame, sweep) -> dict[str, Any]:
    if sweep is not None:
        return load(sweep)._meta()
    meta = df.attrs.get("sweep")
    if not meta:
        raise ValueError("this DataFrame carries no sweep description (df.attrs['sweep']); "
                         "pass sweep= (the sweep file or dict it came from)")
    return meta


def _series(df: pd.DataFrame, meta: dict, variant: str, column: str) -> np.ndarray:
    if column not in df.columns:
        raise ValueError(f"no column {column!r} in the results (outputs: "
                         f"{', '.join(meta['outputs'])})")
    sub = df[df["variant"] == variant].sort_values("point")
    points = sub["point"].to_numpy()
    n = meta["points"]
    if len(points) != n or not np.array_equal(points, np.arange(n)):
        missing = n - len(np.unique(points))
        raise ValueError(f"sensitivity needs every point of the sweep: {missing} of {n} are "
                         f"missing for variant {variant!r} (run the remaining shards first)")
    return sub[column].to_numpy(dtype=float)


def _pick(requested, available: Sequence[str], what: str) -> list[str]:
    if requested is None:
        return list(available)
    names = [requested] if isinstance(requested, str) else list(requested)
    for n in names:
        if n not in available:
            raise ValueError(f"unknown {what} {n!r} (available: {', '.join(available)})")
    return names


def sobol(results: pd.DataFrame, outputs: str | Sequence[str] | None = None,
          variants: str | Sequence[str] | None = None, statistic: str = "mean",
          bootstrap: int = 1000, confidence: float = 0.95, seed: int | None = None,
          sweep=None) -> pd.DataFrame:
    """First-order (S1) and total (ST) Sobol' indices of each output with respect to each
    parameter, from the results of a `design: saltelli` sweep: Jansen's estimators on the
    replicate `statistic` ("mean" or "p50"), percentile bootstrap intervals over the base rows
    (deterministic: `seed` defaults to the sweep's). Same numbers and columns as the
    sensitivity.csv of `goodhart sweep --analyse`."""
    meta = _meta_of(results, sweep)
    if meta["design"] != "saltelli":
        raise ValueError("Sobol' indices need a sweep with design: saltelli (this one is "
                         f"{meta['design']}); for a quick look use design: oat and tornado()")
    if statistic not in ("mean", "p50"):
        raise ValueError("statistic must be 'mean' or 'p50'")
    params = meta["parameters"]
    recs = []
    for variant in _pick(variants, meta["variants"], "variant"):
        for output in _pick(outputs, meta["outputs"], "output"):
            f = _series(results, meta, variant, f"{output}_{statistic}")
            s = _native.sobol_jansen(f, len(params), int(bootstrap), float(confidence),
                                     int(meta["seed"] if seed is None else seed))
            for j, p in enumerate(params):
                recs.append([variant, output, statistic, p, s["first"][j], s["first_low"][j],
                             s["first_high"][j], s["total"][j], s["total_low"][j],
                             s["total_high"][j], s["rows_used"]])
    return pd.DataFrame(recs, columns=["variant", "output", "statistic", "parameter", "S1",
                                       "S1_low", "S1_high", "ST", "ST_low", "ST_high",
                                       "rows_used"])


def tornado(results: pd.DataFrame, outputs: str | Sequence[str] | None = None,
            variants: str | Sequence[str] | None = None, statistic: str = "mean",
            sweep=None) -> pd.DataFrame:
    """One-at-a-time effects from a `design: oat` sweep: each parameter at its low and high
    value with the others at their base, sorted by swing |at_high - at_low| (largest first).
    Same numbers as the sensitivity.csv of `goodhart sweep --analyse`."""
    meta = _meta_of(results, sweep)
    if meta["design"] != "oat":
        raise ValueError(f"a tornado needs a sweep with design: oat (this one is {meta['design']})")
    if statistic not in ("mean", "p50"):
        raise ValueError("statistic must be 'mean' or 'p50'")
    params = meta["parameters"]
    recs = []
    for variant in _pick(variants, meta["variants"], "variant"):
        sub = results[results["variant"] == variant].set_index("point")
        for output in _pick(outputs, meta["outputs"], "output"):
            f = _series(results, meta, variant, f"{output}_{statistic}")
            for b in _native.tornado(f, len(params)):
                j = b["parameter"]
                name = params[j]
                recs.append([variant, output, statistic, name, sub.at[1 + 2 * j, name],
                             sub.at[2 + 2 * j, name], sub.at[0, name], b["base"], b["at_low"],
                             b["at_high"], b["swing"]])
    return pd.DataFrame(recs, columns=["variant", "output", "statistic", "parameter",
                                       "low_value", "high_value", "base_value", "base", "at_low",
                                       "at_high", "swing"])


# ---------------------------------------------------------------- designs (numpy)

def sobol_points(n: int, dims: int, first: int = 0) -> np.ndarray:
    """Rows first..first+n-1 of the unscrambled Sobol' sequence (Joe–Kuo directions), equal
    to scipy.stats.qmc.Sobol(dims, scramble=False).random(first + n)[first:]."""
    return _native.sobol_points(int(n), int(dims), int(first))


def latin_hypercube(n: int, dims: int, seed: int) -> np.ndarray:
    """A Latin hypercube in [0, 1)^dims, deterministic for a seed (SplitMix64)."""
    return _native.latin_hypercube(int(n), int(dims), int(seed))


def saltelli_design(n: int, dims: int) -> np.ndarray:
    """n (dims + 2) rows: for each base row, A, B, then A with column i from B (A and B from
    the 2 dims-dimensional Sobol' sequence, points M..M+n-1, M the power of two >= n)."""
    return _native.saltelli_design(int(n), int(dims))


# ---------------------------------------------------------------- figures

def _select(df: pd.DataFrame, output: str | None, variant: str | None, kind: str
            ) -> tuple[pd.DataFrame, str, str]:
    if "point" in df.columns:
        raise ValueError(f"pass the output of {kind}() (not the sweep results) to {kind}_plot()")
    if df.empty:
        raise ValueError(f"no {kind} rows to plot")
    output = output or df["output"].iloc[0]
    variant = variant or df["variant"].iloc[0]
    sel = df[(df["output"] == output) & (df["variant"] == variant)]
    if sel.empty:
        raise ValueError(f"no rows for output {output!r} and variant {variant!r}")
    return sel, output, variant


def _value_label(v) -> str:
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, float, np.integer, np.floating)):
        v = float(v)
        if v.is_integer() and abs(v) < 1e15:
            return f"{v:,.0f}"
        return f"{v:.3g}"
    return str(v)


def tornado_plot(df: pd.DataFrame, output: str | None = None, variant: str | None = None,
                 max_parameters: int = 15) -> Figure:
    """Tornado chart of `tornado()`'s table: for each parameter (largest swing on top) a bar
    from the base output to the output at the parameter's low value (blue) and at its high
    value (vermillion), with the values at the bars' ends."""
    sel, output, variant = _select(df, output, variant, "tornado")
    sel = sel.sort_values("swing", ascending=False, na_position="last").head(max_parameters)
    label, kind = FIGURE_LABELS.get(output, (output.replace("_", " "), "count"))
    base = float(sel["base"].iloc[0])
    with style():
        fig = Figure(figsize=(9, 0.55 * len(sel) + 1.9))
        ax = fig.subplots()
        y = np.arange(len(sel))[::-1]
        low = sel["at_low"].to_numpy(dtype=float)
        high = sel["at_high"].to_numpy(dtype=float)
        ax.barh(y, low - base, left=base, height=0.6, color=OKABE_ITO["blue"],
                label="parameter at its low value")
        ax.barh(y, high - base, left=base, height=0.6, color=OKABE_ITO["vermillion"],
                label="parameter at its high value")
        ax.axvline(base, color="#333333", linewidth=1)
        for yi, lo, hi, lv, hv in zip(y, low, high, sel["low_value"], sel["high_value"]):
            for x, text in ((lo, _value_label(lv)), (hi, _value_label(hv))):
                if np.isfinite(x):
                    right = x >= base
                    ax.annotate(text, (x, yi), xytext=(4 if right else -4, 0),
                                textcoords="offset points", va="center",
                                ha="left" if right else "right", fontsize=9, color="#333333")
        ax.set_yticks(y, list(sel["parameter"]))
        # Room for the value labels at the bars' ends (about 1.8 % of the width a character).
        longest = max(len(_value_label(v)) for v in [*sel["low_value"], *sel["high_value"]])
        ax.margins(x=min(0.6, 0.05 + 0.02 * longest))
        ax.set_title(f"What moves: {label}", loc="left", pad=22)
        stat = "mean" if sel["statistic"].iloc[0] == "mean" else "median"
        base_text = getattr(_plot, "_label", lambda _k, v: f"{v:,.3g}")(kind, base)
        ax.annotate(f"one parameter at a time around the base ({base_text}); "
                    f"{stat} over replicates; variant {variant}", xy=(0, 1),
                    xycoords="axes fraction", xytext=(0, 5), textcoords="offset points",
                    fontsize=9, color="#555555", va="bottom")
        ax.set_xlabel(label)
        f = getattr(_plot, "_formatter", lambda _kind: None)(kind)
        if f is not None:
            ax.xaxis.set_major_formatter(f)
        ax.grid(axis="y", visible=False)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12 - 0.6 / (len(sel) + 2)),
                  ncol=2)
        return fig


def sobol_plot(df: pd.DataFrame, output: str | None = None, variant: str | None = None,
               max_parameters: int = 15) -> Figure:
    """Sobol' indices of `sobol()`'s table: first-order (blue) and total (orange) bars with
    their bootstrap intervals, parameters by decreasing total index."""
    sel, output, variant = _select(df, output, variant, "sobol")
    sel = sel.sort_values("ST", ascending=False, na_position="last").head(max_parameters)
    label, _kind = FIGURE_LABELS.get(output, (output.replace("_", " "), "count"))
    with style():
        fig = Figure(figsize=(9, 0.6 * len(sel) + 1.9))
        ax = fig.subplots()
        y = np.arange(len(sel))[::-1].astype(float)
        h = 0.36
        for col, colour, name, dy in (("S1", OKABE_ITO["blue"], "first order (alone)", h / 2),
                                      ("ST", OKABE_ITO["orange"],
                                       "total (with interactions)", -h / 2)):
            v = sel[col].to_numpy(dtype=float)
            lo = v - sel[f"{col}_low"].to_numpy(dtype=float)
            hi = sel[f"{col}_high"].to_numpy(dtype=float) - v
            ax.barh(y + dy, np.nan_to_num(v), height=h, color=colour, label=name)
            ax.errorbar(v, y + dy, xerr=[np.nan_to_num(lo), np.nan_to_num(hi)], fmt="none",
                        ecolor="#333333", capsize=3, linewidth=1)
        ax.axvline(0, color="#333333", linewidth=0.8)
        ax.set_yticks(y, list(sel["parameter"]))
        ax.set_xlim(-0.02 + min(-0.05, float(np.nanmin(sel["S1_low"].to_numpy(dtype=float)))
                        if sel["S1_low"].notna().any() else -0.05),
                    0.02 + max(1.0, float(np.nanmax(sel["ST_high"].to_numpy(dtype=float)))
                        if sel["ST_high"].notna().any() else 1.0))
        ax.set_title(label, loc="left", pad=22)
        rows = int(sel["rows_used"].iloc[0])
        ax.annotate(f"what it depends on: Sobol' indices, {rows} base rows; variant {variant}",
                    xy=(0, 1), xycoords="axes fraction", xytext=(0, 5),
                    textcoords="offset points", fontsize=9, color="#555555", va="bottom")
        ax.set_xlabel("share of the output's variance")
        ax.grid(axis="y", visible=False)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12 - 0.6 / (len(sel) + 2)),
                  ncol=2)
        return fig
