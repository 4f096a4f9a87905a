"""Sweeps from Python: the same rows as the CLI, locally and on a Dask LocalCluster with worker
processes; checkpoint, shards and resume through the same files; Sobol' indices and tornado
equal to `goodhart sweep --analyse`; designs against scipy; the figures."""

import math
import os
import subprocess

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import goodhart.sweep as gs
from conftest import REPO

SWEEPS = os.path.join(REPO, "tests", "sim", "data")
LHS = os.path.join(SWEEPS, "sweep_tiny_lhs.yaml")
OAT = os.path.join(SWEEPS, "sweep_tiny_oat.yaml")
SALTELLI = os.path.join(SWEEPS, "sweep_tiny_saltelli.yaml")
OKABE_ITO = {"#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#F0E442",
             "#000000"}


def read_csv(path):
    # round_trip: pandas' default parser may be off by an ulp; the C++ writer is exact.
    return pd.read_csv(path, float_precision="round_trip")


def comparable(df):
    """Drops the pandas attrs and the shard column (which job ran a row), types the seed."""
    out = df.drop(columns=["shard"]).reset_index(drop=True)
    out["seed"] = out["seed"].astype("uint64")
    out.attrs = {}
    return out


@pytest.fixture(scope="module")
def lhs_local():
    return gs.run(LHS, progress=False)


def test_load_describes_the_sweep():
    sw = gs.load(LHS)
    assert len(sw) == 12
    assert sw.design == "lhs"
    assert sw.parameter_names == ["behaviour.know_how.spread_hazard", "incentives.board.prize",
                                  "headcount"]
    assert sw.variants == ["base", "caps"]
    plan = sw.plan()
    assert list(plan["point"]) == list(range(12))
    assert plan["seed"].is_unique
    assert plan["headcount"].dtype.kind == "i"  # an integer scenario key gets integers
    assert gs.load(LHS, replicates=3).replicates == 3


def test_local_run_equals_cli(lhs_local, cli, tmp_path):
    out = tmp_path / "cli"
    subprocess.run([cli, "sweep", LHS, "--out", str(out), "--threads", "2", "--quiet"],
                   check=True, capture_output=True)
    cli_df = read_csv(out / "results.csv").sort_values(["point", "variant"]).reset_index(drop=True)
    assert list(cli_df.columns) == gs.load(LHS).columns
    assert len(lhs_local) == 24
    pd.testing.assert_frame_equal(comparable(lhs_local), comparable(cli_df))


def test_dask_run_equals_local_run(lhs_local, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        client.wait_for_workers(2)
        remote = gs.run(LHS, client=client, progress=False)
        # The points ran in the worker processes (each builds the sweep once, on first use).
        built = client.run(lambda: __import__("goodhart.sweep").sweep._sweep_from_spec
                           .cache_info().misses)
        assert sum(built.values()) >= 1
        # Checkpointed through the cluster: the same file format and rows as a local run.
        out = tmp_path / "dask"
        checkpointed = gs.run(LHS, client=client, out=out, progress=False)
    pd.testing.assert_frame_equal(remote, lhs_local)
    pd.testing.assert_frame_equal(checkpointed, lhs_local)
    on_disk = read_csv(out / "results.csv").sort_values(["point", "variant"])
    pd.testing.assert_frame_equal(comparable(on_disk), comparable(lhs_local))


def test_shards_and_resume_through_one_directory(lhs_local, tmp_path):
    out = tmp_path / "sharded"
    parts = [gs.run(LHS, out=out, shard=(i, 3), progress=False) for i in range(3)]
    for i, p in enumerate(parts):
        assert set(p["point"] % 3) == {i}
        assert set(p["shard"]) == {f"{i}/3"}
    merged = pd.concat(parts).sort_values(["point", "variant"])
    pd.testing.assert_frame_equal(comparable(merged), comparable(lhs_local))
    # An unsharded rerun into the same directory finds every point done and runs none.
    again = gs.run(LHS, out=out, progress=False)
    assert set(again["shard"]) == {"0/3", "1/3", "2/3"}
    pd.testing.assert_frame_equal(comparable(again), comparable(lhs_local))
    pd.testing.assert_frame_equal(comparable(gs.results(out, LHS)), comparable(lhs_local))


def test_changed_definition_is_refused(tmp_path):
    out = tmp_path / "changed"
    gs.run(OAT, out=out, progress=False)
    with pytest.raises(ValueError, match="another definition"):
        gs.run(OAT, out=out, replicates=3, progress=False)


def test_dict_definitions_and_errors_with_locations(tmp_path):
    definition = {"scenario": os.path.join(SWEEPS, "sweep_tiny.yaml"), "design": "grid",
                  "levels": 2, "replicates": 1, "outputs": ["spend_usd"],
                  "parameters": [{"path": "incentives.board.prize", "min": 1, "max": 5}]}
    df = gs.run(definition, progress=False)
    assert list(df["incentives.board.prize"]) == [1, 5]
    bad = dict(definition, outputs=["spend_dollars"])
    with pytest.raises(ValueError, match=r"<sweep dict>:\d+:\d+: unknown output 'spend_dollars'"):
        gs.load(bad)
    bad_file = tmp_path / "bad.yaml"
    bad_file.write_text("sweep:\n  scenario: nowhere.yaml\n  design: lhs\n  points: 2\n"
                        "  parameters: [{path: a.b, min: 0, max: 1}]\n")
    with pytest.raises(ValueError, match=r"bad.yaml:2:13: scenario file"):
        gs.load(bad_file)


def test_sobol_equals_cli_analysis(cli, tmp_path):
    out = tmp_path / "saltelli"
    subprocess.run([cli, "sweep", SALTELLI, "--out", str(out), "--analyse", "--bootstrap", "200",
                    "--quiet"], check=True, capture_output=True)
    df = gs.run(SALTELLI, out=out, progress=False)
    assert len(df) == 8 * 4
    s = gs.sobol(df, bootstrap=200)
    cli_s = read_csv(out / "sensitivity.csv")
    pd.testing.assert_frame_equal(s, cli_s)
    assert s["S1"].notna().all() and s["ST"].notna().all()
    assert (s["S1_low"] <= s["S1_high"]).all()
    fig = gs.sobol_plot(s, output="theatre_share")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_xlabel() and ax.get_title(loc="left")
    assert {t.get_text() for t in ax.get_yticklabels()} == {"spread", "prize"}
    colours = {mpl_hex(p.get_facecolor()) for p in ax.patches}
    assert colours <= OKABE_ITO and len(colours) == 2
    with pytest.raises(ValueError, match="design: saltelli"):
        gs.sobol(gs.run(OAT, progress=False))


def test_tornado_equals_cli_analysis(cli, tmp_path):
    out = tmp_path / "oat"
    subprocess.run([cli, "sweep", OAT, "--out", str(out), "--analyse", "--quiet"], check=True,
                   capture_output=True)
    t = gs.tornado(gs.run(OAT, out=out, progress=False))
    cli_t = read_csv(out / "sensitivity.csv")
    numbers = ["base", "at_low", "at_high", "swing"]
    pd.testing.assert_frame_equal(t[["variant", "output", "parameter"] + numbers],
                                  cli_t[["variant", "output", "parameter"] + numbers])
    spend = t[t["output"] == "spend_usd"]
    assert list(spend["swing"]) == sorted(spend["swing"], reverse=True)
    fig = gs.tornado_plot(t, output="spend_usd")
    ax = fig.axes[0]
    assert ax.get_xlabel() and ax.get_title(loc="left")
    assert len(ax.get_yticklabels()) == 4
    assert {mpl_hex(p.get_facecolor()) for p in ax.patches} <= OKABE_ITO


def test_designs_match_scipy_and_recover_ishigami():
    qmc = pytest.importorskip("scipy.stats.qmc")
    ref = qmc.Sobol(5, scramble=False).random(128)[1:65]
    assert np.array_equal(gs.sobol_points(64, 5, first=1), ref)
    assert np.array_equal(gs.sobol_points(64, 5), qmc.Sobol(5, scramble=False).random(64))
    lhs = gs.latin_hypercube(20, 3, seed=4)
    for j in range(3):
        assert sorted((lhs[:, j] * 20).astype(int)) == list(range(20))

    x = -math.pi + 2 * math.pi * gs.saltelli_design(2048, 3)
    f = np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])
    s = gs._native.sobol_jansen(f, 3, 300, 0.95, 11)
    for i, (s1, st) in enumerate([(0.3139, 0.5576), (0.4424, 0.4424), (0.0, 0.2437)]):
        assert s["first_low"][i] <= s1 <= s["first_high"][i]
        assert s["total_low"][i] <= st <= s["total_high"][i]


def mpl_hex(rgba):
    from matplotlib.colors import to_hex

    return to_hex(rgba).upper()


def test_plot_module_has_the_sensitivity_charts():
    import goodhart.plot as gp
    from matplotlib.figure import Figure
    sweep_file = os.path.join(REPO, "tests", "sim", "data", "sweep_tiny_oat.yaml")
    t = gs.tornado(gs.run(gs.load(sweep_file), progress=False))
    fig = gp.tornado(t)
    assert isinstance(fig, Figure)
    assert fig.axes[0].get_title(loc="left")
