"""Incentive primitives: checked against conditions they must satisfy, not against numbers
the code produced."""

import numpy as np
import pytest
from scipy import optimize, stats

from goodhart import behaviour

COST = np.array([[4.0, 0.5, 0.5], [0.5, 1.0, 0.0], [0.5, 0.0, 2.0]])
E0 = np.array([1.0, 0.0, 0.0])


def test_interior_solution_is_holmstrom_milgrom():
    metric = np.array([[1.0, 5.0, 0.1], [0.3, 0.0, 1.0]])
    w = np.array([0.2, 0.3])
    e = behaviour.linear_best_response(COST, metric, w, E0)
    expected = E0 + np.linalg.solve(COST, metric.T @ w)
    assert (expected > 0).all()  # the premise: no constraint binds
    np.testing.assert_allclose(e, expected, rtol=1e-10)


def test_constrained_solution_satisfies_kkt():
    # A penalty on gaming pushes the unconstrained answer below zero.
    metric = np.array([[1.0, -4.0, 0.0]])
    w = np.array([0.5])
    e = behaviour.linear_best_response(COST, metric, w, E0)
    g = metric.T @ w
    grad = g - COST @ (e - E0)  # marginal utility of each effort
    assert (e >= 0).all()
    assert (np.abs(grad[e > 1e-12]) < 1e-9).all()  # free efforts: stationary
    assert (grad[e <= 1e-12] <= 1e-9).all()  # efforts at zero: would not want more
    assert (E0 + np.linalg.solve(COST, g) < 0).any()  # the premise: clipping would differ


def test_matches_a_general_qp_solver():
    rng = np.random.default_rng(3)
    for _ in range(20):
        a = rng.normal(size=(3, 3))
        c = a @ a.T + 0.5 * np.eye(3)
        metric = rng.normal(size=(2, 3))
        w = rng.normal(size=2)
        e0 = np.abs(rng.normal(size=3))
        g = metric.T @ w
        res = optimize.minimize(lambda e: -(g @ e - 0.5 * (e - e0) @ c @ (e - e0)), e0,
                                jac=lambda e: -(g - c @ (e - e0)), bounds=[(0, None)] * 3,
                                method="L-BFGS-B", options={"ftol": 1e-15, "gtol": 1e-12})
        e = behaviour.linear_best_response(c, metric, w, e0)
        np.testing.assert_allclose(e, res.x, atol=1e-5)


def test_disallowed_efforts_stay_zero():
    metric = np.array([[1.0, 5.0, 0.1]])
    e = behaviour.linear_best_response(COST, metric, [0.3], E0, allowed=(True, False, True))
    assert e[1] == 0.0 and e[0] > 0


@pytest.mark.parametrize("cost,words", [
    (np.ones((2, 2)), "3x3"),
    (np.array([[1, 2, 0], [0, 1, 0], [0, 0, 1.0]]), "symmetric"),
    (np.diag([1.0, -1.0, 1.0]), "positive definite"),
])
def test_bad_cost_matrices_are_value_errors(cost, words):
    with pytest.raises(ValueError, match=words):
        behaviour.linear_best_response(cost, [[1, 0, 0]], [1], E0)


def test_shape_errors_are_value_errors():
    with pytest.raises(ValueError, match="k x 3"):
        behaviour.linear_best_response(COST, [[1, 0]], [1], E0)
    with pytest.raises(ValueError, match="weights"):
        behaviour.linear_best_response(COST, [[1, 0, 0]], [1, 2], E0)


@pytest.mark.parametrize("prize,q,c,sigma", [(4, 0.05, 1, 0.3), (1, 0.5, 2, 1), (10, 0.01, 3, 2)])
def test_leaderboard_equilibrium_is_lazear_rosen(prize, q, c, sigma):
    expected = prize * stats.norm.pdf(stats.norm.ppf(1 - q)) / (c * sigma)
    got = behaviour.leaderboard_equilibrium_effort(prize, q, c, sigma)
    assert got == pytest.approx(expected, rel=1e-9)


def test_leaderboard_equilibrium_rejects_bad_inputs():
    with pytest.raises(ValueError, match="top_share"):
        behaviour.leaderboard_equilibrium_effort(1, 1.5, 1, 1)
    with pytest.raises(ValueError, match="sigma"):
        behaviour.leaderboard_equilibrium_effort(1, 0.1, 1, 0)


@pytest.mark.parametrize("gap", [-1.0, 0.0, 0.5, 2.0, 8.0])
def test_tournament_best_response_is_the_global_maximum(gap):
    prize, sigma, cost = 3.0, 0.7, 1.2
    u = lambda d: prize * stats.norm.cdf((d - gap) / sigma) - 0.5 * cost * d * d  # noqa: E731
    grid = np.linspace(0, 10, 200001)
    best = grid[np.argmax(u(grid))]
    d = behaviour.tournament_best_response(prize, sigma, gap, cost)
    assert u(d) >= u(best) - 1e-9
    assert d == pytest.approx(best, abs=1e-3)


def test_far_below_the_cutoff_people_give_up():
    assert behaviour.tournament_best_response(1.0, 0.5, 20.0, 1.0) == 0.0


def test_leaderboard_best_response_returns_efforts_and_gain():
    e, gain = behaviour.leaderboard_best_response(
        COST, E0, [0.0, 1.0, 0.0], prize=4.0, cutoff=1.0, sigma=0.5, effort_days=5)
    assert e.shape == (3,) and (e >= 0).all()
    assert gain == pytest.approx(e[1] - 0.0, abs=1e-9)  # ranked metric = usage gaming
    assert gain > 0


def test_leaderboard_podium_pays_the_first_place():
    kwargs = dict(prize=4.0, cutoff=1.0, sigma=0.5, effort_days=5)
    plain, plain_gain = behaviour.leaderboard_best_response(COST, E0, [0.0, 1.0, 0.0], **kwargs)
    unpaid, unpaid_gain = behaviour.leaderboard_best_response(
        COST, E0, [0.0, 1.0, 0.0], podium=(3.0, 0.1, 0.0), **kwargs)
    assert (unpaid == plain).all() and unpaid_gain == plain_gain
    # A first place worth ten times the board's prize, a little above the cutoff: the person
    # goes past it to the podium (the ranked metric is 5 days of the gain per day).
    crowned, crowned_gain = behaviour.leaderboard_best_response(
        COST, E0, [0.0, 1.0, 0.0], podium=(3.0, 0.1, 40.0), **kwargs)
    assert 5 * crowned_gain > 3.0 > 5 * plain_gain
    with pytest.raises(ValueError, match="podium"):
        behaviour.leaderboard_best_response(COST, E0, [0.0, 1.0, 0.0], podium=(3.0, 0.0, 1.0), **kwargs)
    with pytest.raises(ValueError, match="podium"):
        behaviour.leaderboard_best_response(COST, E0, [0.0, 1.0, 0.0], podium=(3.0, 0.1), **kwargs)


@pytest.mark.parametrize("bad", [dict(cutoff=float("nan")), dict(sigma=0.0), dict(prize=-1.0),
                                 dict(podium=(float("nan"), 0.1, 40.0))])
def test_leaderboard_best_response_rejects_bad_tiers(bad):
    kwargs = dict(prize=4.0, cutoff=1.0, sigma=0.5, effort_days=5)
    kwargs.update(bad)
    with pytest.raises(ValueError):
        behaviour.leaderboard_best_response(COST, E0, [0.0, 1.0, 0.0], **kwargs)
