"""Scenarios: a YAML scenario file whose values can be read and overridden by dotted path."""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
from typing import Any, Iterable

from . import _core


def _yaml_value(value: Any) -> str:
    """A Python value as YAML flow text (JSON is valid YAML), so the C++ loader sees exactly
    what it would see in a file and validates it the same way."""

    def plain(v: Any) -> Any:
        if hasattr(v, "item") and callable(v.item) and getattr(v, "ndim", 0) == 0:
            v = v.item()  # numpy scalars
        elif hasattr(v, "tolist"):
            v = v.tolist()  # numpy arrays
        if isinstance(v, (_dt.date, _dt.datetime)):
            return v.isoformat()[:10]
        if isinstance(v, float) and not math.isfinite(v):
            raise ValueError(f"{v!r} is not a finite number")
        if isinstance(v, dict):
            return {str(k): plain(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [plain(x) for x in v]
        if v is None or isinstance(v, (bool, int, float, str)):
            return v
        raise ValueError(f"cannot use a {type(v).__name__} as a scenario value")

    return json.dumps(plain(value), ensure_ascii=False)


class Scenario:
    """A scenario document with its overrides. `set` validates at once: a bad path, type or
    range raises ValueError and leaves the scenario unchanged."""

    def __init__(self, document: "_core.ScenarioDocument"):
        self._doc = document

    # Construction ------------------------------------------------------------------------
    @classmethod
    def from_yaml(cls, text: str, name: str = "<string>") -> "Scenario":
        """A scenario from YAML text; `name` appears in messages and anchors a relative
        pricing catalog path."""
        return cls(_core.ScenarioDocument.from_string(text, name))

    def copy(self) -> "Scenario":
        return Scenario(self._doc.copy())

    def __copy__(self) -> "Scenario":
        return self.copy()

    def __deepcopy__(self, memo: dict) -> "Scenario":
        return self.copy()

    # Reading -----------------------------------------------------------------------------
    @property
    def file(self) -> str:
        return self._doc.file

    @property
    def variant(self) -> str:
        """The variant applied by `with_variant`, or "" for the base."""
        return self._doc.variant

    @property
    def variants(self) -> list[str]:
        return list(self._doc.variant_names())

    @property
    def name(self) -> str:
        return self.describe()["meta"]["name"]

    def get(self, path: str) -> Any:
        """The value at a dotted path, e.g. ``s.get("cohorts.engineers.headcount")``."""
        return self._doc.get(path)

    def to_dict(self) -> dict:
        """The whole document with overrides applied, as plain Python values."""
        return self._doc.to_python()

    def describe(self) -> dict:
        """Validates everything and returns the typed scenario's descriptive parts: meta
        (name, description, sources), horizon, Monte Carlo defaults, cohorts, targets and
        variants. Raises ValueError listing every problem."""
        return self._doc.describe()

    def validate(self) -> "Scenario":
        self._doc.describe()
        return self

    # Changing ----------------------------------------------------------------------------
    def set(self, path: str, value: Any) -> "Scenario":
        """Overrides the value at a dotted path and checks the whole scenario still builds.
        Returns the scenario, so calls chain."""
        candidate = self._doc.copy()
        candidate.set_from_string(path, _yaml_value(value))
        candidate.describe()  # cross-field checks (shares summing to 1, windows, ...)
        self._doc = candidate
        return self

    def update(self, overrides: dict[str, Any] | Iterable[tuple[str, Any]]) -> "Scenario":
        """Several overrides at once, validated together (for values that must change
        together); all or nothing."""
        items = overrides.items() if isinstance(overrides, dict) else overrides
        candidate = self._doc.copy()
        for path, value in items:
            candidate.set_from_string(path, _yaml_value(value))
        candidate.describe()
        self._doc = candidate
        return self

    def with_variant(self, name: str) -> "Scenario":
        """A copy with the named variant's overrides applied."""
        return Scenario(self._doc.with_variant(name))

    def __repr__(self) -> str:
        extra = f", variant={self.variant!r}" if self.variant else ""
        return f"<goodhart.Scenario {self.file!r}{extra}, variants={self.variants}>"


def load_scenario(path: str | os.PathLike) -> Scenario:
    """Loads a scenario file. Raises ValueError with ``file:line:col: message`` lines if it
    is not valid."""
    path = os.fspath(path)
    # The base and every variant, all problems at once (as `goodhart validate` reports them).
    problems = _core.validate_scenario_file(path)
    if problems:
        raise ValueError("\n".join(problems))
    return Scenario(_core.ScenarioDocument.load_file(path))
