"""Incentive primitives on their own: explore what a scheme makes people do before simulating
an organisation. Efforts are (real work, usage gaming, outcome-KPI gaming); the solvers are
the simulator's own (C++), so what you see here is what the simulation does per person."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from . import _core

EFFORTS = ("real", "usage_gaming", "kpi_gaming")


def _vector(x, name: str, n: int = 3) -> np.ndarray:
    a = np.asarray(x, dtype=float)
    if a.shape != (n,):
        raise ValueError(f"{name} must have {n} entries {EFFORTS if n == 3 else ''}, "
                         f"got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite, got {a.tolist()}")
    return a


def _cost(cost) -> np.ndarray:
    c = np.asarray(cost, dtype=float)
    if c.shape == (9,):
        c = c.reshape(3, 3)  # the row-major form scenario files use
    if c.shape != (3, 3) or not np.all(np.isfinite(c)):
        raise ValueError(f"cost must be a finite 3x3 matrix, got shape {c.shape}")
    if not np.allclose(c, c.T, rtol=1e-12, atol=1e-12):
        raise ValueError("cost must be symmetric (cost[i][j] == cost[j][i])")
    try:
        np.linalg.cholesky(c)
    except np.linalg.LinAlgError:
        raise ValueError("cost must be positive definite: every effort must have a rising "
                         "marginal cost") from None
    return c


def _allowed(allowed) -> tuple[bool, bool, bool]:
    if allowed is None:
        return (True, True, True)
    a = tuple(bool(x) for x in allowed)
    if len(a) != 3:
        raise ValueError(f"allowed must have 3 entries {EFFORTS}")
    return a  # type: ignore[return-value]


def linear_best_response(cost, metric, weights, baseline,
                         allowed: Sequence[bool] | None = None) -> np.ndarray:
    """Efforts maximising ``w'(M e) - (e - e0)' C (e - e0) / 2`` over ``e >= 0``: the
    Holmström–Milgrom response to a linear scheme, projected onto e >= 0 exactly (KKT).

    cost:     3x3 symmetric positive-definite cost matrix C (or its 9 row-major entries).
    metric:   k x 3 matrix M: how much each rewarded metric rises per unit of each effort.
    weights:  k rewards per metric unit (w).
    baseline: efforts without incentives (e0).
    allowed:  which efforts are possible (e.g. nobody knows the gaming trick: (1, 0, 1)).
    """
    c = _cost(cost)
    m = np.asarray(metric, dtype=float)
    if m.ndim == 1:
        m = m.reshape(1, -1)
    if m.ndim != 2 or m.shape[1] != 3:
        raise ValueError(f"metric must be k x 3 (one row per rewarded metric), got {m.shape}")
    w = _vector(weights, "weights", m.shape[0])
    e0 = _vector(baseline, "baseline")
    g = m.T @ w  # marginal reward of each effort
    return np.asarray(_core.best_response_linear(e0, c, g, _allowed(allowed)))


def leaderboard_equilibrium_effort(prize: float, top_share: float, cost: float,
                                   sigma: float) -> float:
    """Effort of everyone in the symmetric equilibrium of a homogeneous leaderboard with a
    prize for the top share q (Lazear–Rosen): ``P φ(Φ⁻¹(1 − q)) / (c σ)``, where σ is the
    noise in the ranked metric and c the quadratic cost of effort."""
    if not 0 < top_share < 1:
        raise ValueError(f"top_share must be in (0, 1), got {top_share}")
    for name, v in (("prize", prize), ("cost", cost), ("sigma", sigma)):
        if not v > 0:
            raise ValueError(f"{name} must be positive, got {v}")
    return float(_core.tournament_equilibrium_effort(prize, top_share, cost, sigma))


def tournament_best_response(prize: float, sigma: float, gap: float, cost: float) -> float:
    """Extra ranked metric d >= 0 that maximises ``P Φ((d − gap)/σ) − c d²/2``: one person's
    answer to a published cutoff `gap` above where they would be without trying. Far below
    the cutoff this is 0 (giving up); near it, it is largest."""
    for name, v in (("prize", prize), ("sigma", sigma), ("cost", cost)):
        if not v > 0:
            raise ValueError(f"{name} must be positive, got {v}")
    return float(_core.tournament_best_response(prize, sigma, gap, cost))


def _tier(what: str, cutoff, sigma, prize) -> tuple[float, float, float]:
    cutoff, sigma, prize = float(cutoff), float(sigma), float(prize)
    if not math.isfinite(cutoff):
        raise ValueError(f"{what}cutoff must be finite, got {cutoff}")
    if not (sigma > 0 and math.isfinite(sigma)):
        raise ValueError(f"{what}sigma must be positive, got {sigma}")
    if not (prize >= 0 and math.isfinite(prize)):
        raise ValueError(f"{what}prize must be >= 0, got {prize}")
    return cutoff, sigma, prize


def leaderboard_best_response(cost, baseline, metric_per_effort, *, prize: float, cutoff: float,
                              sigma: float, base_metric: float = 0.0, effort_days: float = 7.0,
                              linear_reward=(0.0, 0.0, 0.0),
                              allowed: Sequence[bool] | None = None,
                              podium: tuple[float, float, float] | None = None
                              ) -> tuple[np.ndarray, float]:
    """A person's efforts on a leaderboard that ranks ``metric_per_effort · e`` summed over
    `effort_days`, given the forecast `cutoff`, the person's `base_metric` without effort and
    rewards from linear schemes. `podium` = (cutoff, sigma, prize) adds a further prize for
    the board's first places (the scenario key ``podium``). Returns (efforts, extra ranked
    metric per day)."""
    c = _cost(cost)
    tiers = [_tier("", cutoff, sigma, prize)]
    if podium is not None:
        if len(podium) != 3:
            raise ValueError(f"podium must be (cutoff, sigma, prize), got {podium!r}")
        tiers.append(_tier("podium ", *podium))
    effort, gain = _core.leaderboard_best_response(
        _vector(baseline, "baseline"), c, _vector(linear_reward, "linear_reward"),
        _vector(metric_per_effort, "metric_per_effort"), _allowed(allowed), float(base_metric),
        float(effort_days), tiers)
    return np.asarray(effort), float(gain)
