"""Audits of real usage exports: the report `goodhart audit` prints, as DataFrames.

Real exports have no ground truth for value, only measured outcomes (commits, pull requests,
accepted edits); the audit ranks people by usage and by outcomes within their cohort, and
flags those whose usage rank sits far above their outcome rank, with the reasons.
"""

from __future__ import annotations

import json
import os
from functools import cached_property
from typing import Any, Sequence

import pandas as pd

from . import _core

_HERE = os.path.dirname(os.path.realpath(__file__))  # through links, to the source tree


def default_pricing() -> str:
    """$GOODHART_PRICING, else the catalog shipped with the repository (as the CLI does)."""
    env = os.environ.get("GOODHART_PRICING")
    if env:
        return env
    return os.path.normpath(os.path.join(_HERE, "..", "..", "scenarios", "pricing",
                                         "2026-08.yaml"))


class AuditResult:
    """One audit. Tables: `people`, `suspects`, `person_periods`, `teams`, `models`,
    `correlation`, `anomalies`, `files`; plus `totals`, `budget`, `bunching`, `truth` and
    `json` (audit.json as a dict)."""

    def __init__(self, handle: "_core.AuditHandle", files: list[str], pricing: str,
                 options: dict[str, Any]):
        self._h = handle
        self.files_audited = files
        self.pricing = pricing
        self.options = options  # the thresholds used, for charts and briefings

    @cached_property
    def json(self) -> dict:
        return json.loads(self._h.json())

    def _frame(self, key: str) -> pd.DataFrame:
        return pd.DataFrame(self.json.get(key) or [])

    @cached_property
    def people(self) -> pd.DataFrame:
        """One row per person: spend, tokens, outcomes, unit costs, usage and outcome
        percentiles within their ranking group, and whether they are a suspect."""
        df = self._frame("people")
        if df.empty:
            return df
        if "tokens" in df and isinstance(df["tokens"].iloc[0], dict):
            tokens = pd.json_normalize(df.pop("tokens").tolist()).add_prefix("tokens_")
            df = pd.concat([df, tokens], axis=1)
        sus = set(self.suspects["person"]) if not self.suspects.empty else set()
        df["suspect"] = df["person"].isin(sus)
        return df

    @cached_property
    def suspects(self) -> pd.DataFrame:
        """Tokenmaxxing suspects, most divergent first, with their reasons."""
        return self._frame("suspects")

    @cached_property
    def person_periods(self) -> pd.DataFrame:
        return self._frame("person_periods")

    @cached_property
    def teams(self) -> pd.DataFrame:
        return self._frame("teams")

    @cached_property
    def models(self) -> pd.DataFrame:
        return self._frame("models")

    @cached_property
    def anomalies(self) -> pd.DataFrame:
        return self._frame("anomalies")

    @cached_property
    def correlation(self) -> pd.DataFrame:
        """Spearman correlation of spend with outcomes per period: falling means usage says
        less and less about output."""
        return pd.DataFrame((self.json.get("correlation") or {}).get("points") or [])

    @cached_property
    def files(self) -> pd.DataFrame:
        """What was read from each input file (records read, accepted, rejected)."""
        return pd.DataFrame((self.json.get("ingest") or {}).get("files") or [])

    @property
    def totals(self) -> dict:
        return self.json.get("totals") or {}

    @property
    def budget(self) -> dict | None:
        return self.json.get("budget")

    @property
    def bunching(self) -> dict | None:
        return self.json.get("bunching")

    @property
    def truth(self) -> dict | None:
        return self.json.get("truth")

    def table(self) -> str:
        """The CLI's report."""
        return self._h.table()

    def to_csv(self, directory: str | os.PathLike) -> None:
        """audit.json and CSV tables, as `goodhart audit --out DIR`."""
        os.makedirs(directory, exist_ok=True)
        self._h.write_outputs(os.fspath(directory))

    def __repr__(self) -> str:
        r = self.json.get("range") or {}
        return (f"<goodhart.AuditResult {r.get('first_day')}..{r.get('last_day')}: "
                f"{len(self.people)} people, {len(self.suspects)} suspects>")


def audit(files: str | os.PathLike | Sequence[str | os.PathLike], *, pricing: str | None = None,
          identity_map: str | os.PathLike | None = None, input_format: str | None = None,
          period: str = "week", quota: float | None = None, quota_metric: str = "tokens",
          budget_usd: float | str | None = None, budget_period: str = "month",
          truth: bool = False, truth_threshold: float = 0.25, min_gap: float = 0.6,
          min_usage_percentile: float = 0.9, seed: int = 20260801) -> AuditResult:
    """Audits usage exports (files or directories; format detected from content unless
    `input_format` names it) like `goodhart audit`. Options mirror the CLI's flags:
    `identity_map` is --map, `budget_usd` --budget, and so on. Unreadable inputs raise
    ValueError with file:line:col (or file:record); bad records are counted, not raised."""
    if isinstance(files, (str, os.PathLike)):
        files = [files]
    paths = [os.fspath(f) for f in files]
    if not paths:
        raise ValueError("no export files given")
    pricing = pricing or default_pricing()
    handle = _core.audit(
        paths, pricing,
        None if identity_map is None else os.fspath(identity_map), input_format, period,
        None if quota is None else float(quota), quota_metric,
        None if budget_usd is None else str(budget_usd), budget_period, bool(truth),
        float(truth_threshold), float(min_gap), float(min_usage_percentile), int(seed))
    return AuditResult(handle, paths, pricing,
                       dict(period=period, quota=quota, quota_metric=quota_metric,
                            budget_usd=budget_usd, budget_period=budget_period,
                            min_gap=min_gap, min_usage_percentile=min_usage_percentile))


class ReplayResult:
    """What a governance policy would have done to a usage history (`goodhart replay`):
    `.json` (replay.json as a dict) and DataFrames `.events`, `.alerts`, `.days`, `.people`."""

    def __init__(self, text: str):
        self.json = json.loads(text)

    def _frame(self, key: str) -> pd.DataFrame:
        return pd.json_normalize(self.json.get(key) or [])

    @property
    def events(self) -> pd.DataFrame:
        return self._frame("events")

    @property
    def alerts(self) -> pd.DataFrame:
        return self._frame("alerts")

    @property
    def days(self) -> pd.DataFrame:
        return self._frame("days")

    @property
    def people(self) -> pd.DataFrame:
        return self._frame("people")

    @property
    def saved_usd(self) -> float:
        return float(self.json["saved_usd"])

    def __repr__(self) -> str:
        return (f"<goodhart.ReplayResult saved ${self.saved_usd:,.2f} on "
                f"{self.json['blocked_person_days']} person-days>")


def replay(files: str | os.PathLike | Sequence[str | os.PathLike], policy: str | os.PathLike, *,
           pricing: str | None = None, identity_map: str | os.PathLike | None = None,
           input_format: str | None = None, out: str | os.PathLike | None = None) -> ReplayResult:
    """Replays a governance policy file on usage exports in time order, like
    `goodhart replay FILES --policy POLICY`: what it would have blocked, alerts with dates,
    spend saved and outcomes at risk. `out` writes the CLI's --out files."""
    if isinstance(files, (str, os.PathLike)):
        files = [files]
    paths = [os.fspath(f) for f in files]
    if not paths:
        raise ValueError("no export files given")
    text = _core.replay(paths, pricing or default_pricing(), os.fspath(policy),
                        None if identity_map is None else os.fspath(identity_map), input_format,
                        None if out is None else os.fspath(out))
    return ReplayResult(text)


__all__ = ["audit", "replay", "AuditResult", "ReplayResult", "default_pricing"]
