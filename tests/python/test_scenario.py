"""Scenarios from Python: loading, reading and overriding by dotted path, errors."""

import re

import pytest

import goodhart
import os

from conftest import BAD, DATA, SMALL


def test_load_gives_scenario_with_variants_from_file():
    s = goodhart.load_scenario(SMALL)
    assert isinstance(s, goodhart.Scenario)
    assert s.variants == [v["name"] for v in s.to_dict()["variants"]]
    assert s.variants  # the fixture has what-ifs; an empty list would hide a binding bug


def test_get_returns_python_types_matching_the_document():
    s = goodhart.load_scenario(SMALL)
    doc = s.to_dict()
    headcount = s.get("cohorts.engineers.headcount")
    assert isinstance(headcount, int) and not isinstance(headcount, bool)
    assert headcount == doc["cohorts"][0]["headcount"]
    assert isinstance(s.get("cohorts.engineers.seat_share"), float)
    assert s.get("horizon.workdays") == doc["horizon"]["workdays"]
    assert isinstance(s.get("horizon.start"), str)


def test_get_leaves_the_document_unchanged():
    s = goodhart.load_scenario(SMALL)
    before = s.to_dict()
    for path in ("meta.name", "horizon.days", "cohorts.support.headcount", "horizon.start"):
        s.get(path)
    assert s.to_dict() == before


def test_set_changes_value_and_chains():
    s = goodhart.load_scenario(SMALL)
    old = s.get("cohorts.engineers.headcount")
    assert s.set("cohorts.engineers.headcount", old + 7) is s
    assert s.get("cohorts.engineers.headcount") == old + 7
    s.set("governance.caps.per_seat_month_usd", 500)  # absent in the file: created
    assert s.get("governance.caps.per_seat_month_usd") == 500


@pytest.mark.parametrize("path,value,words", [
    ("cohorts.engineers.headcount", -3, ">= 0"),
    ("cohorts.enginers.headcount", 3, "did you mean 'engineers'"),
    ("horizon.start", "2026-02-30", "date"),
    ("cohorts.engineers.headcount", "many", "headcount"),
])
def test_bad_set_raises_value_error_and_keeps_the_old_value(path, value, words):
    s = goodhart.load_scenario(SMALL)
    before = s.to_dict()
    with pytest.raises(ValueError) as e:
        s.set(path, value)
    assert words in str(e.value)
    assert s.to_dict() == before


def test_set_rejects_values_yaml_cannot_hold():
    s = goodhart.load_scenario(SMALL)
    with pytest.raises(ValueError, match="finite"):
        s.set("cohorts.engineers.seat_share", float("nan"))
    with pytest.raises(ValueError, match="cannot use"):
        s.set("cohorts.engineers.seat_share", object())


def test_update_is_all_or_nothing():
    s = goodhart.load_scenario(SMALL)
    before = s.to_dict()
    with pytest.raises(ValueError):
        s.update({"cohorts.engineers.headcount": 10, "cohorts.support.headcount": -1})
    assert s.to_dict() == before
    s.update({"cohorts.engineers.headcount": 10, "cohorts.support.headcount": 2})
    assert (s.get("cohorts.engineers.headcount"), s.get("cohorts.support.headcount")) == (10, 2)


def test_copy_is_independent():
    s = goodhart.load_scenario(SMALL)
    c = s.copy()
    c.set("horizon.days", 20)
    assert s.get("horizon.days") != 20


def test_bad_file_raises_value_error_with_file_line_col():
    with pytest.raises(ValueError) as e:
        goodhart.load_scenario(BAD)
    m = re.search(r"bad\.yaml:(\d+):(\d+): (.*)", str(e.value))
    assert m, str(e.value)
    line, col = int(m.group(1)), int(m.group(2))
    text = open(BAD, encoding="utf-8").read().splitlines()[line - 1]
    # The location points at the offending value in the file, wherever it sits.
    assert "headcount" in text and text[col - 1:].startswith("-15"), (text, col)


def test_missing_file_and_unknown_variant_are_value_errors():
    with pytest.raises(ValueError, match="no_such_file"):
        goodhart.load_scenario("no_such_file.yaml")
    s = goodhart.load_scenario(SMALL)
    with pytest.raises(ValueError, match="unknown variant"):
        s.with_variant("nope")


def test_with_variant_applies_overrides():
    s = goodhart.load_scenario(SMALL)
    caps = s.with_variant("caps")
    assert caps.variant == "caps"
    assert caps.get("governance.caps.per_seat_month_usd") == 40
    assert s.variant == ""


def test_from_yaml_reports_its_name():
    text = open(SMALL, encoding="utf-8").read().replace("days: 28", "days: zero")
    name = os.path.join(DATA, "mine.yaml")  # also anchors the relative pricing path
    with pytest.raises(ValueError) as e:
        goodhart.Scenario.from_yaml(text, name).validate()
    assert re.search(r"mine\.yaml:\d+:\d+: .*days", str(e.value)), str(e.value)


def test_get_answers_schema_defaults_for_values_the_file_omits():
    s = goodhart.load_scenario(SMALL)
    assert "p_fail" not in s.to_dict()["cohorts"][0]  # the premise: the file leaves it out
    p_fail = s.get("cohorts.engineers.p_fail")
    assert isinstance(p_fail, float) and 0 <= p_fail <= 1
    s.set("cohorts.engineers.p_fail", p_fail / 2)
    assert s.get("cohorts.engineers.p_fail") == p_fail / 2
    with pytest.raises(ValueError, match="nobody"):  # defaults never invent elements
        s.get("cohorts.nobody.p_fail")
