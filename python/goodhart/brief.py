"""Executive briefings: one self-contained HTML file (charts inline as PNG data, CSS inline, no
external URL) that answers the scenario's question with the run's numbers."""

from __future__ import annotations

import base64
import datetime as _dt
import math
import os
from dataclasses import dataclass, field
from typing import Any, Sequence

import jinja2
import pandas as pd

from . import plot
from ._io import write_atomic
from .result import Result, run
from .scenario import Scenario, load_scenario

# A variant "keeps value" when its true value is within this share of the best option's:
# cheaper-but-hollow options (caps that block real work) are not recommended.
VALUE_KEPT = 0.95
# Options this close on value per dollar are reported as equally good.
NEAR_TIE = 0.01
# Value lost to caps above this share of value produced is a price worth flagging.
VALUE_LOST_FLAG = 0.05


def _f(x: Any) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return math.nan
    return v


def usd(x: Any) -> str:
    v = _f(x)
    return "–" if math.isnan(v) else plot._fmt_usd(v)


def per_usd(x: Any) -> str:
    """Value per dollar: enough digits to tell close options apart ($27.14, not $27)."""
    v = _f(x)
    return "–" if math.isnan(v) else f"${v:,.2f}" if abs(v) < 1000 else f"${v:,.0f}"


def count(x: Any) -> str:
    """Large counts as 2.81B / 845M / 12.3k."""
    v = _f(x)
    if math.isnan(v):
        return "–"
    for div, suf in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= div:
            return f"{v / div:.3g}{suf}"
    return f"{v:,.0f}"


def pct(x: Any, digits: int = 0) -> str:
    v = _f(x)
    return "–" if math.isnan(v) else f"{100 * v:.{digits}f} %"


def num(x: Any, digits: int = 2) -> str:
    v = _f(x)
    if math.isnan(v):
        return "–"
    return f"{v:,.{digits}f}" if abs(v) < 1e4 else f"{v:,.0f}"


def change(new: float, old: float) -> str:
    """'+12 %' / '−8 %' relative change, or '' when undefined."""
    if not (math.isfinite(new) and math.isfinite(old)) or old == 0:
        return ""
    r = new / old - 1
    return f"{'+' if r >= 0 else '−'}{abs(100 * r):.0f} %"


@dataclass
class VariantRow:
    name: str
    description: str
    spend: tuple[float, float, float]  # p5, p50, p95
    theatre: float
    value: float
    value_per_usd: tuple[float, float, float]
    gap_rank: float
    gaming_spend: float
    value_lost: float
    alerts: float
    people_capped: float
    exhausted_day: float
    exhausted_share: float  # share of replicates in which a budget ran out
    exhausted_date: str = ""
    recommended: bool = False
    notes: list[str] = field(default_factory=list)


def _rows(result: Result) -> list[VariantRow]:
    s = result.summary.set_index(["variant", "figure"])
    desc = {v["name"]: v["description"] for v in result.summary_json["variants"]}

    def band(v: str, fig: str, stat: str = "p50") -> float:
        try:
            return _f(s.loc[(v, fig), stat])
        except KeyError:
            return math.nan

    rows = []
    for v in result.variants:
        ex_day = band(v, "budget_exhausted_day")
        try:
            ex_n = int(s.loc[(v, "budget_exhausted_day"), "replicates_defined"])
        except KeyError:
            ex_n = 0
        row = VariantRow(
            name=v, description=desc.get(v, ""),
            spend=(band(v, "spend_usd", "p5"), band(v, "spend_usd"), band(v, "spend_usd", "p95")),
            theatre=band(v, "theatre_share"), value=band(v, "value_usd"),
            value_per_usd=(band(v, "value_per_usd", "p5"), band(v, "value_per_usd"),
                           band(v, "value_per_usd", "p95")),
            gap_rank=band(v, "goodhart_gap_rank"), gaming_spend=band(v, "spend_gaming_usd"),
            value_lost=band(v, "value_lost_usd"), alerts=band(v, "alerts"),
            people_capped=band(v, "people_capped"), exhausted_day=ex_day,
            exhausted_share=ex_n / max(result.replicates, 1))
        if math.isfinite(ex_day):
            row.exhausted_date = (result.start + pd.Timedelta(days=round(ex_day))).strftime(
                "%d %b %Y")
        rows.append(row)
    return rows


def recommend(rows: Sequence[VariantRow]) -> tuple[VariantRow | None, list[str]]:
    """The option with the best value per dollar among those that keep value (true value
    within VALUE_KEPT of the best option's), and the sentences that justify it from the
    numbers. Value blocked by caps is already missing from an option's true value; above
    VALUE_LOST_FLAG of it, it is named as the price of the caps."""
    if not rows:
        return None, []
    base = next((r for r in rows if r.name == "base"), rows[0])
    best_value = max((r.value for r in rows if math.isfinite(r.value)), default=math.nan)
    if not (math.isfinite(best_value) and best_value > 0):
        return None, ["No option produced measurable value in this run, so the numbers do "
                      "not support a recommendation; check the scenario's value assumptions."]
    eligible = [r for r in rows if math.isfinite(r.value) and r.value >= VALUE_KEPT * best_value
                and math.isfinite(r.value_per_usd[1])]
    pick = max(eligible, key=lambda r: r.value_per_usd[1])
    pick.recommended = True
    out = []
    if pick is base:
        out.append(f"Keep the scheme as written. No alternative buys more value per dollar "
                   f"than its {per_usd(base.value_per_usd[1])} of value per $1 of AI spend without "
                   f"giving up more than {pct(1 - VALUE_KEPT)} of the value produced.")
    else:
        what = f" ({pick.description.rstrip('.')})" if pick.description else ""
        out.append(
            f"Choose {pick.name}{what}. Each dollar of AI spend buys "
            f"{per_usd(pick.value_per_usd[1])} of value, against {per_usd(base.value_per_usd[1])} as "
            f"the scenario is written ({change(pick.value_per_usd[1], base.value_per_usd[1])}).")
        theatre = (f"theatre falls from {pct(base.theatre)} to {pct(pick.theatre)} of spend"
                   if pick.theatre <= base.theatre else
                   f"theatre is {pct(pick.theatre)} of spend against {pct(base.theatre)}")
        out.append(f"Spend over the horizon: {usd(pick.spend[1])} instead of "
                   f"{usd(base.spend[1])} ({change(pick.spend[1], base.spend[1])}); {theatre}.")
        if pick.value >= best_value:
            out.append(f"It also produces the most true value of all options "
                       f"({usd(pick.value)}, {change(pick.value, base.value)} on the scenario "
                       "as written).")
        else:
            top = max((r for r in rows if math.isfinite(r.value)), key=lambda r: r.value)
            out.append(f"Its true value, {usd(pick.value)}, is {pct(pick.value / best_value)} "
                       f"of the most valuable option's ({top.name}, {usd(top.value)}).")
        lo, hi = pick.value_per_usd[0], base.value_per_usd[2]
        if math.isfinite(lo) and math.isfinite(hi) and lo > hi:
            out.append("The gain holds across the simulated futures: the pessimistic (P5) "
                       "value per dollar of this option beats the optimistic (P95) one of the "
                       "scenario as written.")
        else:
            out.append("The P5–P95 ranges of value per dollar overlap, so the ranking is "
                       "indicative: run more replicates before committing.")
    if math.isfinite(pick.value_lost) and pick.value > 0 and \
            pick.value_lost > VALUE_LOST_FLAG * pick.value:
        out.append(f"Its caps have a price: they block work worth {usd(pick.value_lost)} "
                   f"({pct(pick.value_lost / pick.value)} of the value it produces).")
    ties = [r for r in eligible if r is not pick
            and r.value_per_usd[1] >= (1 - NEAR_TIE) * pick.value_per_usd[1]]
    if ties:
        names = " and ".join([", ".join(r.name for r in ties[:-1]), ties[-1].name]
                             if len(ties) > 1 else [ties[0].name])
        gaps = "; ".join(f"{r.name} {num(r.gap_rank)}" for r in [pick, *ties])
        out.append(f"{names} {'is' if len(ties) == 1 else 'are'} within {pct(NEAR_TIE)} on value "
                   f"per dollar: on these numbers the options are equally good, and the choice "
                   f"can rest on how well each keeps the rewarded metric honest (Goodhart gap "
                   f"ρ, higher is better: {gaps}).")
    # An option with a better ratio that was passed over, and why.
    better = [r for r in rows if r is not pick and math.isfinite(r.value_per_usd[1])
              and r.value_per_usd[1] > pick.value_per_usd[1]]
    for r in sorted(better, key=lambda r: -r.value_per_usd[1])[:1]:
        out.append(f"{r.name} has a higher ratio ({per_usd(r.value_per_usd[1])} per $1) but "
                   f"produces only {pct(r.value / best_value)} of the best option's value.")
    if math.isfinite(pick.exhausted_day) and pick.exhausted_share > 0:
        out.append(f"Watch the budget: with this option it runs out around "
                   f"{pick.exhausted_date} (in {pct(pick.exhausted_share)} of the simulated "
                   "futures).")
    return pick, out


def _png(fig) -> str:
    return "data:image/png;base64," + base64.b64encode(plot.to_png(fig)).decode("ascii")


def _charts(result: Result, pick: VariantRow | None) -> list[dict]:
    charts = [
        dict(title="Spend over time", img=_png(plot.spend_fan(result)),
             caption="Cumulative AI spend per option: the line is the median future, the band "
                     "holds 90 % of simulated futures."),
        dict(title="Value per dollar", img=_png(plot.variant_bars(result, "value_per_usd")),
             caption="True value produced per dollar of AI spend. Higher is better."),
        dict(title="Theatre", img=_png(plot.variant_bars(result, "theatre_share")),
             caption="Share of spend that produced nothing: metric gaming, retries and runaway "
                     "agent loops."),
        dict(title="Where the money went", img=_png(plot.spend_by_purpose(result, "base")),
             caption="Daily spend of the scenario as written, by purpose."),
    ]
    if pick is not None and pick.name != "base":
        charts.append(dict(title=f"Where the money went — {pick.name}",
                           img=_png(plot.spend_by_purpose(result, pick.name)),
                           caption="The same breakdown for the recommended option."))
    charts.append(dict(title="Goodhart gap", img=_png(plot.goodhart_gap(result)),
                       caption="How well the rewarded metric still ranks people by the value "
                               "they produce (1 = perfectly, 0 = not at all)."))
    d = result.daily
    if d[(d["metric"] == "leaderboard_cutoff")]["p50"].notna().any():
        charts.append(dict(title="Leaderboard cutoff", img=_png(plot.leaderboard_cutoff(result)),
                           caption="What it took to reach the top of the board each week: a "
                                   "rising cutoff with flat value is an arms race."))
    return charts


def _overrides(result: Result) -> list[tuple[str, str]]:
    """Values changed in Python relative to the scenario file, so the briefing says exactly
    what was run (the file alone would not reproduce it)."""
    try:
        original = load_scenario(result.file).to_dict()
    except (ValueError, OSError):
        return []
    current = result.scenario.to_dict()

    def flat(d: Any, prefix: str = "") -> dict[str, Any]:
        if isinstance(d, dict):
            out: dict[str, Any] = {}
            for k, v in d.items():
                out.update(flat(v, f"{prefix}.{k}" if prefix else str(k)))
            return out
        if isinstance(d, list) and d and all(isinstance(x, dict) and "name" in x for x in d):
            out = {}
            for x in d:
                out.update(flat({k: v for k, v in x.items() if k != "name"},
                                f"{prefix}.{x['name']}"))
            return out
        return {prefix: d}

    a, b = flat(original), flat(current)
    return [(k, repr(b.get(k, "(removed)"))) for k in sorted(set(a) | set(b))
            if a.get(k, "(absent)") != b.get(k, "(absent)")]


def _environment() -> jinja2.Environment:
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(here),
                             autoescape=jinja2.select_autoescape(["html", "j2"]),
                             undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True)
    env.filters.update(usd=usd, pct=pct, num=num, per_usd=per_usd, count=count)
    return env


def _depends(tornado: pd.DataFrame | None) -> dict | None:
    """The "what this projection depends on" section from a one-at-a-time sweep's tornado of
    total spend: the chart and the assumptions ranked by how far they move the projection."""
    if tornado is None or tornado.empty:
        return None
    from . import sweep

    t = tornado[tornado["output"] == "spend_usd"] if "spend_usd" in set(tornado["output"]) else tornado
    output = t["output"].iloc[0]
    t = t.sort_values("swing", ascending=False)
    base = float(t["base"].iloc[0])
    items = []
    for r in t.head(3).itertuples():
        items.append(f"{r.parameter} ({num(r.low_value, 3)} to {num(r.high_value, 3)}) moves "
                     f"{output.replace('_usd', '')} from {usd(r.at_low)} to {usd(r.at_high)} "
                     f"({pct(abs(r.swing) / base) if base else '-'} of the base case)")
    return dict(items=items, img=_png(sweep.tornado_plot(tornado, output=output)),
                caption=f"Each assumption at its low and high value, the others as in the "
                        f"scenario, at the sweep's own scale; base case {usd(base)}.")


def render(result: Result, tornado: pd.DataFrame | None = None) -> str:
    """The briefing's HTML for a finished run (and, given a one-at-a-time sweep's tornado,
    what the projection depends on)."""
    rows = _rows(result)
    pick, reasons = recommend(rows)
    info = result.info
    tj = result.targets
    targets = tj.to_dict("records") if not tj.empty else []
    for t in targets:
        t["observed_text"] = num(t.get("observed"), 3)
    missed = [t for t in targets if not t.get("met")]
    start = result.start
    end = start + pd.Timedelta(days=result.days - 1)
    ctx = dict(
        title=info["meta"]["name"] or os.path.basename(result.file),
        question=(info["meta"]["description"] or "").strip(),
        rows=rows, pick=pick, reasons=reasons,
        show_budget=any(math.isfinite(r.exhausted_day) for r in rows), charts=_charts(result, pick),
        sources=info["meta"]["sources"], targets=targets, missed=missed,
        cohorts=info["cohorts"], pricing=info["pricing"], employees=result.employees,
        start=start.strftime("%d %b %Y"), end=end.strftime("%d %b %Y"), days=result.days,
        seed=result.seed, replicates=result.replicates, version=result.version,
        file=result.file, overrides=_overrides(result),
        variants_run=("" if result.variants == ["base"] + [v["name"] for v in info["variants"]]
                      else "--variant " + " ".join(result.variants)),
        generated=_dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        value_kept=pct(VALUE_KEPT), value_lost_flag=pct(VALUE_LOST_FLAG),
        question_title="The question" if "?" in (info["meta"]["description"] or "") else "The situation",
        depends=_depends(tornado),
    )
    return _environment().get_template("brief.html.j2").render(**ctx)


def render_audit(audit) -> str:
    """The briefing's HTML for an audit of real usage exports."""
    j = audit.json
    people = audit.people
    ranked = people[people["ranked"].astype(bool)] if "ranked" in people else people
    total = _f(audit.totals.get("spend_usd"))
    sus = audit.suspects
    sus_spend = _f(sus["spend_usd"].sum()) if not sus.empty else 0.0
    findings = []
    if not sus.empty and total > 0:
        findings.append(
            f"{len(sus)} of {len(ranked)} people use far more than their outcomes rank them "
            f"(usage percentile at least {pct(audit.options['min_usage_percentile'])} and "
            f"{100 * audit.options['min_gap']:.0f} percentage points above their outcome "
            f"percentile). Together "
            f"they spent {usd(sus_spend)}, {pct(sus_spend / total)} of the total.")
        findings.append("Treat them as questions, not verdicts: each comes with its reasons "
                        "below, and heavy use with weak measured outcomes can also be "
                        "exploratory or unmeasured work.")
    elif total > 0:
        findings.append(f"No one's usage rank sits far above their outcome rank: spend of "
                        f"{usd(total)} tracks measured outcomes person by person.")
    corr = audit.correlation
    if not corr.empty and corr["rho_outcomes"].notna().sum() >= 2:
        first, last = corr["rho_outcomes"].dropna().iloc[[0, -1]]
        trend = _f((j.get("correlation") or {}).get("trend_per_period"))
        direction = "falls" if trend < 0 else "rises"
        findings.append(f"Across people, the rank correlation of spend with outcomes {direction} "
                        f"from {num(first)} to {num(last)} over the periods audited "
                        f"({num(trend, 3)} per period).")
    if audit.budget:
        b = audit.budget
        findings.append(f"Budget: {usd(_f(b.get('spent_usd', b.get('spent', math.nan))))} spent "
                        f"of {usd(_f(b.get('budget_usd', math.nan)))}; probability of running out "
                        f"this period {pct(_f(b.get('probability_exhausted')))}.")
    charts = [dict(title="Usage rank vs outcome rank",
                   img=_png(plot.audit_rank_scatter(audit, audit.options["min_usage_percentile"],
                                                    audit.options["min_gap"])),
                   caption="Each dot is a person, ranked within their cohort. Diamonds are the "
                           "suspects; the shaded area is the rule that flags them.")]
    if not corr.empty:
        charts.append(dict(title="Does spend still track output?",
                           img=_png(plot.audit_correlation(audit)),
                           caption="Rank correlation of spend with measured outcomes, period "
                                   "by period."))
    suspects = sus.to_dict("records") if not sus.empty else []
    teams = audit.teams
    if not teams.empty and "period" in teams:
        teams = teams.groupby("team", as_index=False)[["spend_usd", "pull_requests"]].sum()
        teams["cost_per_pr"] = teams["spend_usd"] / teams["pull_requests"].where(
            teams["pull_requests"] > 0)
        teams = teams.sort_values("spend_usd", ascending=False)
    rng = j.get("range") or {}
    ingest = j.get("ingest") or {}
    ctx = dict(
        first=rng.get("first_day"), last=rng.get("last_day"), days=rng.get("days"),
        people=len(ranked), total=total, totals=audit.totals, findings=findings,
        suspects=suspects, charts=charts, teams=teams.to_dict("records") if not teams.empty
        else [], files=ingest.get("files") or [], records_read=ingest.get("records_read"),
        accepted=ingest.get("accepted"), rejected=ingest.get("rejected"),
        pricing=audit.pricing, version=_core_version(), period=j.get("period"),
        generated=_dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
    return _environment().get_template("audit.html.j2").render(**ctx)


def _core_version() -> str:
    from . import _core

    return _core.__version__


def brief(scenario_or_result: Result | Scenario | str | os.PathLike, path: str | os.PathLike,
          *, replicates: int | None = None, seed: int | None = None, threads: int = 1,
          variants: Sequence[str] | None = None, progress: bool = True,
          sensitivity: str | os.PathLike | None = None) -> str:
    """Writes the briefing for a Result or an AuditResult, or runs a Scenario (or scenario
    file) first. Returns the path written. The file is replaced atomically. `sensitivity`, a
    one-at-a-time sweep file (`design: oat`), adds "what this projection depends on"."""
    from .audit import AuditResult

    if isinstance(scenario_or_result, AuditResult):
        write_atomic(path, render_audit(scenario_or_result))
        return os.fspath(path)
    if isinstance(scenario_or_result, Result):
        if replicates is not None or seed is not None or variants is not None:
            raise ValueError("replicates, seed and variants apply when briefing from a "
                             "scenario; this result has already been run")
        result = scenario_or_result
    else:
        result = run(scenario_or_result, replicates=replicates, seed=seed, threads=threads,
                     variants=variants, progress=progress)
    tornado = None
    if sensitivity is not None:
        from . import sweep

        tornado = sweep.tornado(sweep.run(sweep.load(sensitivity), threads=threads, progress=False))
    html = render(result, tornado)
    write_atomic(path, html)
    return os.fspath(path)
