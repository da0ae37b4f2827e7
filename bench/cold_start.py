"""Cold start of each API function: import-and-init time of its handler module in a fresh interpreter
(median of several runs), beside a bare FastAPI + Mangum + boto3 handler measured in the same run, and the
unzipped size of the function plus the shared layer it runs with.

Each is measured twice: with no bytecode at all (a fresh, empty bytecode cache each run), which is how the layer
ships today (bundled with `--no-compile`: the bundling interpreter is not Lambda's Python 3.12, and /opt is
read-only, so every cold start compiles), and with bytecode present, what a layer with 3.12 .pyc files, or
SnapStart (which snapshots after the import), would pay.

Targets (issue #10): at most 1.3x the bare handler with bytecode, and a layer of at most 40 MB.
    .venv/bin/python bench/cold_start.py [--runs 9] [--skip-size]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from shared.catalog import API_FUNCTIONS  # noqa: E402

TIME_LIMIT_RATIO = 1.3

# Run in a fresh interpreter: import the handler module, then do what the first invocation does at start-up.
PROBE = """
import time
start = time.perf_counter()
import {module}
{init}
print(time.perf_counter() - start)
"""
FUNCTION_INIT = "from shared.runtime import configure; configure()"
BARE_INIT = "pass"

ENV = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "KOTOBA_STAGE": "bench",
    "KOTOBA_MEDIA_BUCKET": "kotoba-bench-media",
    "AWS_LAMBDA_FUNCTION_NAME": "bench",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "PYTHONPATH": str(REPO_ROOT),
}


def import_seconds(module: str, init: str, bytecode_cache: Path) -> float:
    code = PROBE.format(module=module, init=init)
    inherited = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # the warm-up must write
    env = {**inherited, **ENV, "PYTHONPYCACHEPREFIX": str(bytecode_cache)}  # the only bytecode Python may use
    output = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout
    return float(output.strip().splitlines()[-1])


def median_seconds(module: str, init: str, runs: int, *, with_bytecode: bool) -> float:
    with tempfile.TemporaryDirectory() as shipped:
        if with_bytecode:
            import_seconds(module, init, Path(shipped))  # compiles everything once, as the shipped .pyc files are
            return statistics.median(import_seconds(module, init, Path(shipped)) for _ in range(runs))
    timings = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as empty:
            timings.append(import_seconds(module, init, Path(empty)))
    return statistics.median(timings)


def directory_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def build_layer(target: Path) -> Path:
    """The layer exactly as CDK bundles it (same command, same files)."""
    from infra.constructs.shared_layer import copy_shared_package, install_command
    from infra.layout import API_LAYER_REQUIREMENTS

    site = target / "python"
    subprocess.run(install_command(API_LAYER_REQUIREMENTS, site), check=True)
    copy_shared_package(site / "shared")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--skip-size", action="store_true", help="do not build the layer to measure its size")
    args = parser.parse_args()

    bare = {
        shipped: median_seconds("bench.bare_handler", BARE_INIT, args.runs, with_bytecode=shipped)
        for shipped in (True, False)
    }
    print(f"cold start, median of {args.runs} fresh interpreters (import + init):")
    print(f"  {'':28s} {'with bytecode':>20s}   {'without':>20s}")
    print(
        f"  {'bare FastAPI+Mangum+boto3':28s} {bare[True] * 1000:11.0f} ms  1.00x"
        f"   {bare[False] * 1000:11.0f} ms  1.00x"
    )
    failures = []
    for function in API_FUNCTIONS:
        module = f"functions.{function.name}.handler"
        seconds = {
            shipped: median_seconds(module, FUNCTION_INIT, args.runs, with_bytecode=shipped)
            for shipped in (True, False)
        }
        ratio = {shipped: seconds[shipped] / bare[shipped] for shipped in (True, False)}
        print(
            f"  {function.name:28s} {seconds[True] * 1000:11.0f} ms  {ratio[True]:4.2f}x"
            f"   {seconds[False] * 1000:11.0f} ms  {ratio[False]:4.2f}x"
        )
        if ratio[True] > TIME_LIMIT_RATIO:
            failures.append(f"{function.name} is {ratio[True]:.2f}x the bare handler (limit {TIME_LIMIT_RATIO}x)")

    if not args.skip_size:
        from infra.constructs.shared_layer import LAYER_SIZE_BUDGET_MB  # the CDK's start-up, only when measuring

        with tempfile.TemporaryDirectory() as tmp:
            layer_mb = directory_mb(build_layer(Path(tmp)))
            print(f"unzipped size (function + shared layer of {layer_mb:.1f} MB):")
            for function in API_FUNCTIONS:
                total = layer_mb + directory_mb(REPO_ROOT / "functions" / function.name)
                print(f"  {function.name:28s} {total:7.1f} MB")
            if layer_mb > LAYER_SIZE_BUDGET_MB:
                failures.append(f"the shared layer is {layer_mb:.1f} MB unzipped (limit {LAYER_SIZE_BUDGET_MB} MB)")

    for failure in failures:
        print(f"OVER TARGET: {failure}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
