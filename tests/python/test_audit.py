"""Audits from Python: the CLI's report as DataFrames, on the shipped sample export."""

import json
import os
import subprocess

import pytest

import goodhart
from conftest import REPO

SAMPLE = os.path.join(REPO, "scenarios", "samples", "claude-code-2026-06")


@pytest.fixture(scope="module")
def sample_audit():
    return goodhart.audit(os.path.join(SAMPLE, "pages"),
                          identity_map=os.path.join(SAMPLE, "map.csv"))


def test_audit_frames(sample_audit):
    a = sample_audit
    assert isinstance(a, goodhart.AuditResult)
    people = a.people
    assert {"person", "team", "spend_usd", "usage_percentile", "outcome_percentile",
            "suspect"} <= set(people.columns)
    assert people["suspect"].sum() == len(a.suspects)
    assert set(a.suspects["person"]) <= set(people["person"])
    assert people["spend_usd"].sum() == pytest.approx(a.totals["spend_usd"], rel=1e-9)
    assert a.files["accepted"].sum() == a.json["ingest"]["accepted"]
    assert {"period", "rho_outcomes"} <= set(a.correlation.columns)


def test_audit_agrees_with_cli(sample_audit, cli):
    out = subprocess.run([cli, "audit", os.path.join(SAMPLE, "pages"), "--map",
                          os.path.join(SAMPLE, "map.csv"), "--format", "json"],
                         check=True, capture_output=True, text=True).stdout
    assert json.loads(out) == sample_audit.json


def test_audit_errors_are_value_errors(tmp_path):
    with pytest.raises(ValueError, match="period"):
        goodhart.audit(os.path.join(SAMPLE, "pages"), period="fortnight")
    with pytest.raises(ValueError, match="truth"):
        goodhart.audit(os.path.join(SAMPLE, "pages"), truth=True)
    junk = tmp_path / "junk.csv"
    junk.write_text("this,is\nnot,an export\n")
    with pytest.raises(ValueError, match="junk.csv"):
        goodhart.audit(junk)


def test_audit_brief_is_self_contained(sample_audit, tmp_path):
    path = goodhart.brief(sample_audit, tmp_path / "audit.html")
    html = open(path, encoding="utf-8").read()
    assert "http" not in "".join(
        v for v in __import__("re").findall(r'(?:src|href)="([^"]*)"', html))
    for name in sample_audit.suspects["person"]:
        assert name in html


def test_replay_agrees_with_cli(cli, tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text("governance:\n  caps: {per_seat_day_usd: 40}\n"
                      "  anomaly: {enabled: true, action: throttle}\n")
    r = goodhart.replay(os.path.join(SAMPLE, "pages"), policy, out=tmp_path / "out")
    out = subprocess.run([cli, "replay", os.path.join(SAMPLE, "pages"), "--policy", str(policy),
                          "--format", "json"], check=True, capture_output=True, text=True).stdout
    assert json.loads(out) == r.json
    assert r.saved_usd > 0  # a $40 daily cap binds on the sample's heavy users
    assert r.saved_usd == pytest.approx(r.people["blocked_usd"].sum(), abs=1e-6)
    assert {"date", "person", "requested_usd", "allowed_usd"} <= set(r.events.columns)
    assert (tmp_path / "out" / "replay.json").exists()


def test_replay_bad_policy_is_a_value_error_with_its_place(tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text("governance:\n  caps: {per_seat_dya_usd: 40}\n")
    with pytest.raises(ValueError, match=r"policy.yaml:2:\d+: .*per_seat_day_usd"):
        goodhart.replay(os.path.join(SAMPLE, "pages"), policy)
