"""Cold start of each API function: import-and-init time of its handler module in a fresh interpreter (median of
several runs), beside a bare FastAPI + Mangum + boto3 handler measured in the same rounds; what SnapStart leaves on
the restore path; and the unzipped size of the function plus the shared layer it runs with, on each platform.

The interpreter runs with what Lambda sets and what deploys: `LAMBDA_TASK_ROOT` (the X-Ray SDK and Powertools look
for it: outside Lambda the SDK builds a centralized sampler, with two botocore clients, at import; in Lambda it does
not) and tracing on (the functions deploy with active tracing, so Powertools' Tracer patches at init).

Each is measured twice: with no bytecode at all (a fresh, empty bytecode cache each run), which is how the layer
ships (bundled with `--no-compile`: the bundling interpreter is not Lambda's Python 3.12, and /opt is read-only, so a
cold start without SnapStart compiles everything), and with bytecode present. The rounds interleave the bare handler
and the functions, so that a machine shared with other work slows them alike.

SnapStart snapshots the initialized environment, after running the before-snapshot hooks that the handler registers
(`prime` in shared/api/lambda_entry.py). What a restored one still does before its first answer is the restore path:
the `after_restore` hook (shared/runtime.py) and the work it hands to the first request, rebuilding the AWS clients it
dropped (the SSM reader of the verification keys, which every authenticated request reads) and whatever the snapshot
does not hold yet (FastAPI builds its routing on the first request, botocore parses a service's definitions for its
first client). Timed here with bytecode, to an unrouted path; the network reads of the keys (one GetParameter) are
not.

Targets (issue #10): at most 1.3x the bare handler with bytecode, and a layer of at most 40 MB.
    .venv/bin/python bench/cold_start.py [--runs 9] [--skip-size]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from shared.catalog import API_FUNCTIONS  # noqa: E402

if TYPE_CHECKING:
    from infra.architectures import LambdaPlatform

TIME_LIMIT_RATIO = 1.3
BARE = "bare FastAPI+Mangum+boto3"

# Run in a fresh interpreter: import the handler module and do what the first invocation does at start-up; then,
# for the functions, what a SnapStart restore runs before the first answer. Prints a JSON object of seconds.
PROBE = """
import json, time
start = time.perf_counter()
{init}
timings = {{"init": time.perf_counter() - start}}
{restore}
print(json.dumps(timings))
"""
BARE_INIT = "import {module}"
# The SnapStart hooks the handler registers are kept, as Lambda's runtime keeps them: the stand-in is the module
# Lambda's Python runtimes provide (shared/runtime.py imports it), put in place before anything is imported.
FUNCTION_INIT = """
import sys, types
snapshot_restore_py = types.ModuleType("snapshot_restore_py")
before_snapshot, after_restore = [], []
snapshot_restore_py.register_before_snapshot = lambda hook, *args, **kwargs: before_snapshot.append(hook)
snapshot_restore_py.register_after_restore = lambda hook, *args, **kwargs: after_restore.append(hook)
sys.modules["snapshot_restore_py"] = snapshot_restore_py
import {module}
from shared.runtime import configure
configure()
"""
# The snapshot is taken after the before-snapshot hooks (not timed: done once, at publish); the restore path is timed
# from the after-restore hooks to the first answer, to an unrouted path (404) that reads nothing from AWS.
RESTORE = """
from shared.dal import key_store
from tests.helpers import FakeLambdaContext, api_gateway_event
for prime in before_snapshot:
    prime()
event = api_gateway_event("GET", "/api/v1/no-such-route")
start = time.perf_counter()
for renew in after_restore:
    renew()
key_store.parameters_reader()
{module}.handler(event, FakeLambdaContext())
timings["restore"] = time.perf_counter() - start
"""

ENV = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "KOTOBA_STAGE": "bench",
    "KOTOBA_MEDIA_BUCKET": "kotoba-bench-media",
    "AWS_LAMBDA_FUNCTION_NAME": "bench",
    "LAMBDA_TASK_ROOT": str(REPO_ROOT),
    "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0",
    "AWS_XRAY_CONTEXT_MISSING": "IGNORE_ERROR",
    "PYTHONPATH": str(REPO_ROOT),
}


def probe(module: str, *, is_function: bool, bytecode_cache: Path) -> dict[str, float]:
    code = PROBE.format(
        init=(FUNCTION_INIT if is_function else BARE_INIT).format(module=module),
        restore=RESTORE.format(module=module) if is_function else "",
    )
    inherited = {
        k: v for k, v in os.environ.items() if k not in {"PYTHONDONTWRITEBYTECODE", "POWERTOOLS_TRACE_DISABLED"}
    }
    env = {**inherited, **ENV, "PYTHONPYCACHEPREFIX": str(bytecode_cache)}  # the only bytecode Python may use
    output = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout
    timings: dict[str, float] = json.loads(output.strip().splitlines()[-1])
    return timings


def measure(modules: dict[str, str], runs: int, *, with_bytecode: bool) -> dict[str, list[dict[str, float]]]:
    """name -> the timings of each run, the modules taking turns within each round."""
    results: dict[str, list[dict[str, float]]] = {name: [] for name in modules}
    with tempfile.TemporaryDirectory() as shipped:
        if with_bytecode:
            for name, module in modules.items():
                probe(module, is_function=name != BARE, bytecode_cache=Path(shipped))  # compiles it all once
        for _ in range(runs):
            for name, module in modules.items():
                if with_bytecode:
                    results[name].append(probe(module, is_function=name != BARE, bytecode_cache=Path(shipped)))
                else:
                    with tempfile.TemporaryDirectory() as empty:
                        results[name].append(probe(module, is_function=name != BARE, bytecode_cache=Path(empty)))
    return results


def median(timings: list[dict[str, float]], key: str) -> float:
    return statistics.median(timing[key] for timing in timings)


def directory_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def build_layer(target: Path, platform: "LambdaPlatform") -> Path:
    """The layer exactly as CDK bundles it for `platform` (same command, same files)."""
    from infra.constructs.shared_layer import copy_shared_package, install_command
    from infra.layout import API_LAYER_REQUIREMENTS

    site = target / "python"
    subprocess.run(install_command(API_LAYER_REQUIREMENTS, site, platform), check=True)
    copy_shared_package(site / "shared")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--skip-size", action="store_true", help="do not build the layer to measure its size")
    args = parser.parse_args()

    modules = {BARE: "bench.bare_handler", **{f.name: f"functions.{f.name}.handler" for f in API_FUNCTIONS}}
    shipped = measure(modules, args.runs, with_bytecode=True)
    compiled = measure(modules, args.runs, with_bytecode=False)
    bare = {True: median(shipped[BARE], "init"), False: median(compiled[BARE], "init")}
    print(f"cold start, median of {args.runs} fresh interpreters (import + init), and a SnapStart restore:")
    print(f"  {'':28s} {'with bytecode':>20s}   {'without':>20s}   {'restore path':>12s}")
    failures = []
    for name in modules:
        seconds = {True: median(shipped[name], "init"), False: median(compiled[name], "init")}
        ratio = {key: seconds[key] / bare[key] for key in seconds}
        restore = f"{median(shipped[name], 'restore') * 1000:9.0f} ms" if name != BARE else ""
        print(
            f"  {name:28s} {seconds[True] * 1000:11.0f} ms  {ratio[True]:4.2f}x"
            f"   {seconds[False] * 1000:11.0f} ms  {ratio[False]:4.2f}x   {restore:>12s}"
        )
        if ratio[True] > TIME_LIMIT_RATIO:
            failures.append(f"{name} is {ratio[True]:.2f}x the bare handler (limit {TIME_LIMIT_RATIO}x)")

    if not args.skip_size:
        from infra.architectures import LAYER_PLATFORM, PLATFORMS  # the CDK's start-up, only when measuring
        from infra.constructs.shared_layer import LAYER_SIZE_BUDGET_MB

        for platform in PLATFORMS:
            with tempfile.TemporaryDirectory() as tmp:
                layer_mb = directory_mb(build_layer(Path(tmp), platform))
            deployed = " (deployed)" if platform == LAYER_PLATFORM else ""
            print(f"unzipped size on {platform.name}{deployed} (function + shared layer of {layer_mb:.1f} MB):")
            for function in API_FUNCTIONS:
                total = layer_mb + directory_mb(REPO_ROOT / "functions" / function.name)
                print(f"  {function.name:28s} {total:7.1f} MB")
            if layer_mb > LAYER_SIZE_BUDGET_MB:
                failures.append(
                    f"the {platform.name} layer is {layer_mb:.1f} MB unzipped (limit {LAYER_SIZE_BUDGET_MB} MB)"
                )

    for failure in failures:
        print(f"OVER TARGET: {failure}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
