"""python3 -m goodhart brief SCENARIO -o brief.html: the executive briefing from the shell."""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m goodhart",
                                     description="goodhart's Python tools.")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("brief", help="run a scenario and write a one-file HTML briefing",
                       description="Runs SCENARIO (base and variants) and writes a "
                                   "self-contained HTML briefing for executives.")
    b.add_argument("scenario", help="scenario YAML file")
    b.add_argument("-o", "--out", required=True, help="HTML file to write")
    b.add_argument("-r", "--replicates", type=int, help="replicates (default: the scenario's)")
    b.add_argument("-s", "--seed", type=int, help="random seed (default: the scenario's)")
    b.add_argument("-t", "--threads", type=int, default=1,
                   help="worker threads (results do not depend on it)")
    b.add_argument("-v", "--variant", nargs="+", dest="variants",
                   help="variants to run ('base' is the scenario as written; default: all)")
    b.add_argument("-q", "--quiet", action="store_true", help="no progress display")
    b.add_argument("--sensitivity", metavar="SWEEP",
                   help="a one-at-a-time sweep file (design: oat): adds what the projection "
                        "depends on")
    args = parser.parse_args(argv)

    # Imported here so `--help` works even where the extension is not built.
    try:
        import goodhart
    except ImportError as e:
        print(f"python3 -m goodhart: {e}", file=sys.stderr)
        return 1
    try:
        path = goodhart.brief(args.scenario, args.out, replicates=args.replicates,
                              seed=args.seed, threads=args.threads, variants=args.variants,
                              progress=not args.quiet and sys.stderr.isatty(),
                              sensitivity=args.sensitivity)
    except (ValueError, OSError) as e:
        # Input problems come with file:line:col; print them as the CLI does (exit 2).
        print(f"python3 -m goodhart brief: {e}", file=sys.stderr)
        return 2
    print(os.path.abspath(path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
