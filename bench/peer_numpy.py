#!/usr/bin/python3
"""The numpy peer: goodhart's day step written the way an analyst would, vectorised numpy.

One scenario (claudeonomics without its leaderboard: two cohorts, different models, agents
and runaway loops, efforts at their baseline) simulated person-day by person-day in arrays:
traits once per replicate (LogNormal task rate, tokens per task and value, Poisson agents),
then each day Bernoulli activity, Poisson tasks, Fenton-Wilkinson LogNormal task tokens,
Poisson retries, LogNormal agent work, runaway loops (start hazard, notice delay in work
hours), Poisson outcomes, and exact integer pricing by token type. Its own random numbers
(numpy's PCG64), so it agrees with the C++ run in distribution, not draw by draw.

  peer_numpy.py [--seats N] [--days D] [--replicates R] [--reference FILE] [--time-seats N]

--reference: per-replicate aggregates of the C++ run (`goodhart_bench reference ...`); the
peer then checks that spend per employee-day (in all and by purpose) and tokens by purpose
agree within Monte Carlo tolerance: |difference| <= 4 combined standard errors, where each
side's standard error is its replicate-to-replicate standard deviation / sqrt(R).
Prints one JSON object.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PURPOSES = ["productive", "retry", "agent", "loop", "gaming"]


def load_scenario(name="claudeonomics"):
    path = os.path.join(ROOT, "scenarios", name + ".yaml")
    with open(path) as f:
        doc = yaml.safe_load(f)
    with open(os.path.join(os.path.dirname(path), doc["pricing"]["catalog"])) as f:
        catalog = yaml.safe_load(f)["models"]
    return doc, catalog


def cohort_params(c, catalog):
    """A cohort with the model defaults of sim/include/goodhart/sim/scenario.hpp."""
    ln = lambda d, m, s: (d.get("median", m), d.get("sigma", s)) if d else (m, s)
    mix = c.get("token_mix", {})
    mix = np.array([mix.get("input", 0.2), mix.get("output", 0.05), mix.get("cache_read", 0.7),
                    mix.get("cache_write", 0.05)])
    price = catalog[c["model"]]
    ag = c.get("agents", {})
    p_fail, k = c.get("p_fail", 0.05), c.get("max_retries", 3)
    oc = c.get("outcomes", {})
    return dict(
        seats=int(round(c["headcount"] * c.get("seat_share", 1.0))),
        active=c.get("active_day_prob", 0.8),
        tasks=ln(c.get("tasks_per_day"), 4.0, 0.5),
        tokens=ln(c.get("tokens_per_task"), 150000.0, 0.8),
        value=ln(c.get("value_per_task_usd"), 40.0, 0.6),
        task_sigma=c.get("task_tokens_sigma", 1.0),
        retries_per_task=sum(p_fail ** j for j in range(1, k + 1)),
        retry_fraction=c.get("retry_fraction", 0.5),
        mix=mix / mix.sum(),
        # micro-dollars per million tokens: input, output, cache read, cache write (5 min)
        price=np.array([round(price[t] * 1e6) for t in ("input", "output", "cache_read", "cache_write_5m")],
                       dtype=np.int64),
        agents_mean=ag.get("per_person_mean", 0.0),
        agent_tokens=ln(ag.get("tokens_per_agent_day"), 1.0, 0.0),
        agent_value=ag.get("value_per_mtok_usd", 0.0),
        loop_hazard=ag.get("loop_hazard_per_day", 0.0),
        loop_rate=ag.get("loop_tokens_per_hour", 0.0),
        notice=ag.get("notice_delay_work_hours", 8.0),
        prs=oc.get("prs_per_task", 0.15), commits=oc.get("commits_per_task", 0.5),
        edits=oc.get("edits_per_task", 3.0), accept=oc.get("accept_rate", 0.85),
    )


def scaled(doc, catalog, seats):
    cohorts = [cohort_params(c, catalog) for c in doc["cohorts"]]
    total = sum(c["seats"] for c in cohorts)
    for c in cohorts:
        c["seats"] = max(1, int(round(c["seats"] * seats / total)))
    return cohorts


def lognormal_sum(rng, n, median, sigma):
    """Sum of n LogNormal(log median, sigma^2) as one LogNormal with its mean and variance."""
    out = np.zeros_like(n, dtype=np.float64)
    pos = n > 0
    if sigma <= 0:
        out[pos] = n[pos] * median
        return out
    npos = n[pos]
    med = median[pos] if np.ndim(median) else median
    s2 = np.log1p(np.expm1(sigma * sigma) / npos)
    out[pos] = npos * med * np.exp(0.5 * sigma * sigma) * np.exp(np.sqrt(s2) * rng.standard_normal(npos.size) - 0.5 * s2)
    return out


def price(tokens, mix, p):
    """Exact integer micro-dollars: tokens split by type (floor, rest to cache writes)."""
    t = np.floor(np.maximum(tokens, 0.0) + 0.5).astype(np.int64)
    td = t.astype(np.float64)
    a = (td * mix[0]).astype(np.int64)
    b = (td * mix[1]).astype(np.int64)
    c = (td * mix[2]).astype(np.int64)
    d = np.maximum(t - a - b - c, 0)
    pico = a * p[0] + b * p[1] + c * p[2] + d * p[3]
    return t, (pico + 500_000) // 1_000_000


def replicate(cohorts, days, workdays, rng, hours=8.0, start_hour=9.0):
    """One replicate; returns spend (micro-dollars) and tokens by purpose, summed."""
    spend = np.zeros(5, dtype=np.int64)
    tokens = np.zeros(5)
    value_total = 0.0
    for c in cohorts:
        n = c["seats"]
        lam = c["tasks"][0] * np.exp(c["tasks"][1] * rng.standard_normal(n))
        tok_med = c["tokens"][0] * np.exp(c["tokens"][1] * rng.standard_normal(n))
        val = c["value"][0] * np.exp(c["value"][1] * rng.standard_normal(n))
        agents = np.minimum(rng.poisson(c["agents_mean"], n), 1000) if c["agents_mean"] > 0 else np.zeros(n, np.int64)
        has_agents = agents > 0
        p_loop = 1.0 - (1.0 - c["loop_hazard"]) ** agents
        loop_on = np.zeros(n, bool)
        loop_left = np.zeros(n)
        prs = np.zeros(n)
        for t in range(days):
            work = workdays[t % 7]
            tok = np.zeros((5, n))
            if work:
                active = rng.random(n) < c["active"]
                n_tasks = np.where(active, rng.poisson(lam), 0).astype(np.float64)
                prod = lognormal_sum(rng, n_tasks, tok_med, c["task_sigma"])
                retries = rng.poisson(n_tasks * c["retries_per_task"])
                tok[0] = prod
                tok[1] = np.where(n_tasks > 0, retries * c["retry_fraction"] * prod / np.maximum(n_tasks, 1), 0.0)
                value_total += float(n_tasks @ val)
                prs += rng.poisson(n_tasks * c["prs"])
                rng.poisson(n_tasks * c["commits"])
                rng.poisson(n_tasks * c["edits"] * c["accept"])
                rng.poisson(n_tasks * c["edits"] * (1 - c["accept"]))
            else:
                n_tasks = np.zeros(n)
            if has_agents.any():
                tok[2] = lognormal_sum(rng, agents.astype(np.float64), c["agent_tokens"][0], c["agent_tokens"][1])
                value_total += float(tok[2].sum()) / 1e6 * c["agent_value"]
                # Runaway loops: running ones burn on (a person notices during work hours)...
                burn = np.zeros(n)
                ends = loop_on & work & (loop_left <= hours)
                burn[ends] = start_hour + loop_left[ends]
                goes_on = loop_on & ~ends
                burn[goes_on] = 24.0
                if work:
                    loop_left[goes_on] -= hours
                loop_on &= ~ends
                # ...new ones start at a uniform hour with an exponential notice delay.
                new = has_agents & ~loop_on & ~ends & ~goes_on & (rng.random(n) < p_loop)
                k = int(new.sum())
                if k:
                    start = 24.0 * rng.random(k)
                    delay = rng.exponential(c["notice"], k)
                    noticing = np.maximum(start, start_hour)
                    avail = np.maximum(0.0, start_hour + hours - noticing) if work else np.zeros(k)
                    caught = delay <= avail
                    b = np.where(caught, noticing + delay - start, 24.0 - start)
                    burn[new] = b
                    idx = np.flatnonzero(new)
                    loop_on[idx[~caught]] = True
                    loop_left[idx[~caught]] = (delay - avail)[~caught]
                tok[3] = burn * c["loop_rate"]
            for p in range(5):
                t_int, cost = price(tok[p], c["mix"], c["price"])
                spend[p] += int(cost.sum())
                tokens[p] += float(t_int.sum())
    return spend, tokens, value_total


def run(seats, days, reps, seed):
    doc, catalog = load_scenario()
    cohorts = scaled(doc, catalog, seats)
    names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    wd = doc.get("horizon", {}).get("workdays", names[:5])
    # horizon.start is a Monday in claudeonomics: day t is weekday t % 7.
    workdays = [names[i] in wd for i in range(7)]
    seats_total = sum(c["seats"] for c in cohorts)
    ed = seats_total * days
    rng = np.random.default_rng(seed)
    per = []
    cpu = wall = 0.0
    for r in range(reps):
        w0, c0 = time.perf_counter(), time.process_time()
        spend, tokens, _ = replicate(cohorts, days, workdays, rng)
        cpu += time.process_time() - c0
        wall += time.perf_counter() - w0
        per.append(dict(spend_usd=dict(zip(PURPOSES, (spend / 1e6).tolist())),
                        tokens=dict(zip(PURPOSES, tokens.tolist()))))
    return dict(seats=seats_total, days=days, replicates=per,
                ns_per_employee_day=wall * 1e9 / (reps * ed), cpu_ns_per_employee_day=cpu * 1e9 / (reps * ed))


def per_ed(reps, seats, days):
    """Per-replicate aggregates per employee-day: total spend, spend and tokens by purpose."""
    rows = []
    for r in reps:
        row = {"spend_usd": sum(r["spend_usd"].values()) / (seats * days)}
        for p in PURPOSES:
            row["spend_" + p + "_usd"] = r["spend_usd"][p] / (seats * days)
            row["tokens_" + p] = r["tokens"][p] / (seats * days)
        rows.append(row)
    return rows


def compare(peer, ref, z_max=4.0):
    a = per_ed(peer["replicates"], peer["seats"], peer["days"])
    b = per_ed(ref["replicates"], ref["seats"], ref["days"])
    out, ok = {}, True
    for key in a[0]:
        x = np.array([r[key] for r in a])
        y = np.array([r[key] for r in b])
        se = math.sqrt(x.var(ddof=1) / len(x) + y.var(ddof=1) / len(y))
        diff = x.mean() - y.mean()
        if y.mean() == 0 and x.mean() == 0:
            z = 0.0
        else:
            z = diff / se if se > 0 else float("inf")
        good = abs(z) <= z_max
        ok &= bool(good)
        out[key] = dict(numpy=x.mean(), cpp=y.mean(), rel_diff=(diff / y.mean()) if y.mean() else 0.0,
                        z=z, ok=bool(good))
    return ok, out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seats", type=int, default=20000)
    ap.add_argument("--days", type=int, default=14)
    ap.add_argument("--replicates", type=int, default=8)
    ap.add_argument("--seed", type=int, default=20260101)
    ap.add_argument("--reference", help="JSON from `goodhart_bench reference claudeonomics:leaderboard_hidden ...`")
    ap.add_argument("--time-seats", type=int, default=0, help="also time a run at this many seats (3 replicates)")
    args = ap.parse_args()
    peer = run(args.seats, args.days, args.replicates, args.seed)
    result = dict(scenario="claudeonomics:leaderboard_hidden", numpy=np.__version__, seats=peer["seats"],
                  days=peer["days"], replicates=args.replicates,
                  ns_per_employee_day=peer["ns_per_employee_day"],
                  cpu_ns_per_employee_day=peer["cpu_ns_per_employee_day"])
    if args.time_seats:
        big = run(args.time_seats, args.days, 3, args.seed + 1)
        result["timing_at_seats"] = dict(seats=big["seats"], ns_per_employee_day=big["ns_per_employee_day"],
                                         cpu_ns_per_employee_day=big["cpu_ns_per_employee_day"])
    if args.reference:
        with open(args.reference) as f:
            ref = json.load(f)
        ok, table = compare(peer, ref)
        result["tolerance"] = "|mean difference| <= 4 combined standard errors (replicate spread / sqrt(R), each side)"
        result["agrees"] = ok
        result["comparison"] = table
        result["cpp_cpu_ns_per_employee_day_reference"] = float(np.median([r["cpu_ns_per_employee_day"] for r in ref["replicates"]]))
    json.dump(result, sys.stdout, indent=1)
    print()
    return 0 if result.get("agrees", True) else 1


if __name__ == "__main__":
    sys.exit(main())
