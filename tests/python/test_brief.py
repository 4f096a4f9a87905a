"""Briefings: one self-contained HTML file whose numbers and recommendation come from the run."""

import base64
import math
import os
import re
import subprocess
import sys
from html.parser import HTMLParser

import pytest

import goodhart
from goodhart.brief import VALUE_KEPT, VariantRow, recommend
from conftest import BAD, REPO, SMALL


class Links(HTMLParser):
    """Every URL-bearing attribute, and inline style text."""

    def __init__(self):
        super().__init__()
        self.urls, self.styles, self.tags = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for k, v in attrs:
            if k in ("src", "href", "srcset", "action", "poster", "data", "xlink:href"):
                self.urls.append(v or "")

    def handle_data(self, data):
        if self.lasttag == "style":
            self.styles.append(data)


@pytest.fixture(scope="module")
def brief_html(small_result, tmp_path_factory):
    path = tmp_path_factory.mktemp("brief") / "brief.html"
    assert goodhart.brief(small_result, path) == os.fspath(path)
    return path, path.read_text(encoding="utf-8")


def test_brief_is_self_contained(brief_html):
    path, html = brief_html
    p = Links()
    p.feed(html)
    assert p.urls, "expected embedded charts"
    for url in p.urls:
        assert url.startswith("data:image/png;base64,"), url[:60]
        assert base64.b64decode(url.split(",", 1)[1]).startswith(b"\x89PNG")
    assert not re.search(r"(src|href)\s*=\s*[\"']?\s*(https?:)?//", html, re.I)
    assert "http" not in "".join(p.styles) and "@import" not in "".join(p.styles)
    assert "script" not in p.tags and "link" not in p.tags
    assert not [f for f in os.listdir(path.parent) if f != path.name]  # no temp files left


def test_brief_carries_the_run(brief_html, small_result):
    _, html = brief_html
    info = small_result.info
    for v in small_result.variants:
        assert v in html
    for s in info["meta"]["sources"]:
        assert s in html
    for t in info["targets"]:
        assert t["name"] in html
    assert str(small_result.seed) in html and f"{small_result.replicates} replicates" in html
    assert goodhart.__version__ in html
    assert "The question" in html  # the fixture's description asks one


def test_recommendation_follows_the_numbers(brief_html, small_result):
    _, html = brief_html
    head = small_result.headline()
    best_value = head["value_usd"].max()
    keep = head[head["value_usd"] >= VALUE_KEPT * best_value]
    pick = keep["value_per_usd"].idxmax()
    rec = re.search(r'<div class="rec">(.*?)</div>', html, re.S).group(1)
    if pick == "base":
        assert "Keep the scheme as written" in rec
    else:
        assert f"Choose {pick}" in rec
    assert re.search(rf'<tr class="pick">\s*<td>{pick}<span class="tag">recommended', html)


def row(name, value, vpd, lost=0.0, spend=100.0):
    return VariantRow(name=name, description="", spend=(spend, spend, spend), theatre=0.1,
                      value=value, value_per_usd=(vpd * 0.9, vpd, vpd * 1.1), gap_rank=0.5,
                      gaming_spend=0.0, value_lost=lost, alerts=0, people_capped=0,
                      exhausted_day=math.nan, exhausted_share=0.0)


def test_recommend_skips_cheap_options_that_lose_value():
    rows = [row("base", 1000, 10), row("hollow", 500, 30), row("better", 990, 12)]
    pick, text = recommend(rows)
    assert pick.name == "better"
    assert any("hollow" in t and "only" in t for t in text)


def test_recommend_keeps_base_when_nothing_beats_it():
    pick, text = recommend([row("base", 1000, 10), row("worse", 1000, 8)])
    assert pick.name == "base" and text[0].startswith("Keep the scheme as written")


def test_recommend_names_near_ties_and_the_price_of_caps():
    pick, text = recommend([row("base", 900, 10), row("caps", 1000, 20, lost=200),
                            row("twin", 1000, 19.9)])
    assert pick.name == "caps"
    joined = " ".join(text)
    assert "twin" in joined and "equally good" in joined
    assert "price" in joined and "$200" in joined


def test_recommend_without_value_says_so():
    pick, text = recommend([row("base", 0.0, math.nan)])
    assert pick is None and "value" in text[0]


def test_cli_writes_the_brief(tmp_path):
    out = tmp_path / "b.html"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [os.path.join(REPO, "python"), os.environ.get("PYTHONPATH", "")]))
    r = subprocess.run([sys.executable, "-m", "goodhart", "brief", SMALL, "-o", str(out),
                        "--replicates", "2", "--seed", "3", "-v", "base", "caps"],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str(out)
    html = out.read_text(encoding="utf-8")
    assert "Seed 3, 2 replicates" in html and "caps" in html and "no_board" not in html


def test_cli_reports_bad_input_with_location_and_exit_2(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [os.path.join(REPO, "python"), os.environ.get("PYTHONPATH", "")]))
    r = subprocess.run([sys.executable, "-m", "goodhart", "brief", BAD, "-o",
                        str(tmp_path / "b.html")], capture_output=True, text=True, env=env)
    assert r.returncode == 2
    assert re.search(r"bad\.yaml:\d+:\d+: ", r.stderr) and "Traceback" not in r.stderr
    assert not (tmp_path / "b.html").exists()


def test_brief_from_scenario_applies_overrides_and_lists_them(tmp_path):
    s = goodhart.load_scenario(SMALL).set("cohorts.support.headcount", 3)
    path = goodhart.brief(s, tmp_path / "o.html", replicates=1, variants=["base"],
                          progress=False)
    html = open(path, encoding="utf-8").read()
    assert "cohorts.support.headcount = 3" in html
    with pytest.raises(ValueError, match="already been run"):
        goodhart.brief(goodhart.run(s, replicates=1, variants="base", progress=False),
                       tmp_path / "x.html", seed=4)


def test_brief_says_what_the_projection_depends_on(small_result, tmp_path):
    # A one-at-a-time sweep adds the section, ranked by swing, and the file stays self-contained.
    sweep_file = os.path.join(REPO, "tests", "sim", "data", "sweep_tiny_oat.yaml")
    path = goodhart.brief(small_result, tmp_path / "b.html", sensitivity=sweep_file)
    html = open(path, encoding="utf-8").read()
    assert "What this projection depends on" in html
    tornado = goodhart.sweep.tornado(goodhart.sweep.run(goodhart.sweep.load(sweep_file),
                                                        progress=False))
    top = tornado[tornado["output"] == "spend_usd"].sort_values("swing", ascending=False)
    items = re.findall(r"<li>([^<]*) \([^<]*moves", html)
    assert items[0] == top["parameter"].iloc[0]
    assert not re.search(r'(src|href)="https?:', html)
