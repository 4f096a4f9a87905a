"""goodhart: what AI-usage incentives and governance cost, and how much of it is theatre.

    import goodhart
    s = goodhart.load_scenario("scenarios/kirorank.yaml")
    s.set("governance.caps.per_seat_month_usd", 500)
    r = goodhart.run(s, replicates=8, seed=1)
    r.summary, r.daily, r.people          # pandas DataFrames
    goodhart.plot.spend_fan(r)            # matplotlib Figure
    goodhart.brief(r, "brief.html")       # one self-contained HTML briefing

The numbers come from the C++ engine and simulator (goodhart._core), the same code as the
`goodhart` command line: the same scenario and seed give the same numbers.
"""

from __future__ import annotations

try:
    from . import _core
except ImportError as e:  # pragma: no cover - the message is the point
    raise ImportError(
        "goodhart's C++ extension (goodhart/_core*.so) is not built or not importable by this "
        "interpreter. Build it with `make build` (or `cmake --preset dev && cmake --build "
        "build/dev`) and use the interpreter it was built for (/usr/bin/python3 by default). "
        f"Original error: {e}") from e

from . import behaviour, plot
from .audit import AuditResult, ReplayResult, audit, replay
from .brief import brief
from .result import PURPOSES, RawArrays, Result, run
from .scenario import Scenario, load_scenario
from . import sweep

__version__: str = _core.__version__
FIGURES: list[str] = list(_core.figure_names)
DAILY_METRICS: list[str] = list(_core.daily_metric_names)

__all__ = ["load_scenario", "Scenario", "run", "Result", "RawArrays", "audit", "AuditResult", "replay", "ReplayResult",
           "brief", "behaviour", "plot", "FIGURES", "DAILY_METRICS", "PURPOSES",
           "__version__"]
