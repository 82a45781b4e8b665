"""``make bench``: run every benchmark in ``bench/`` at the sizes the issues name.

Each benchmark prints its figures beside a named baseline measured in the same run, as a ratio.
``python -m bench NAME…`` runs only those (file names without ``.py``); ``--quick`` passes each
benchmark's small-size flags where it has them.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
QUICK: dict[str, list[str]] = {
    "cases_bundle": ["--entries", "2000"],
    "cases_search": ["--materials", "20000", "--queries", "50"],
    "cases_stats": ["--cases", "20000"],
    "image_speech": ["--speeches", "100"],
    "monitoring_correlation": ["--fixes", "20000", "--queries", "20"],
    "ingest_nats": ["--small"],
    "spark_correlation": ["--fixes", "200000", "--queries", "20"],
}
FULL: dict[str, list[str]] = {
    # Benchmarks whose own default is a quicker size: ``make bench`` runs the size the issue names.
    "monitoring_rules": ["--full"],
    "monitoring_e2e": ["--devices", "5000"],
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("names", nargs="*")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    scripts = sorted(p for p in HERE.glob("*.py") if not p.name.startswith("_"))
    failures = 0
    for script in scripts:
        name = script.stem
        if args.names and name not in args.names:
            continue
        spec = importlib.util.spec_from_file_location(f"bench_{name}", script)
        if spec is None or spec.loader is None:
            continue
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        if not hasattr(module, "main"):
            continue
        print(f"\n=== {name} " + "=" * max(0, 60 - len(name)), flush=True)
        started = time.perf_counter()
        code = module.main(QUICK.get(name, []) if args.quick else FULL.get(name, []))
        print(f"--- {name}: exit {code}, {time.perf_counter() - started:.1f} s", flush=True)
        failures += bool(code)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
