"""Running the project's Node tools (the TypeScript client's compiler and generator, the browser driver) from tests.

`make test` installs each folder's locked npm packages first (`make node-deps`); run alone, a test says so."""

import shutil
import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
CLIENT_DIR = REPO_ROOT / "clients" / "typescript"
BROWSER_DIR = REPO_ROOT / "tests" / "e2e" / "browser"


def run_node_tool(package_dir: Path, *argv: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """`argv` run in `package_dir` (`npx tsc …`, `node script.mjs …`), its output captured; fails the test when the
    folder's npm packages are not installed."""
    assert (package_dir / "node_modules").is_dir(), f"{package_dir}/node_modules is missing: run `make node-deps`"
    program = shutil.which(argv[0])
    assert program is not None, f"{argv[0]} is not on PATH (node 20 is needed)"
    return subprocess.run(
        [program, *argv[1:]], cwd=package_dir, capture_output=True, text=True, timeout=timeout, check=False
    )
