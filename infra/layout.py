"""Where the app finds the code it deploys: everything is resolved from the repository root, not the cwd."""

from pathlib import Path
from typing import Final

REPO_ROOT: Final = Path(__file__).resolve().parent.parent
CDK_JSON: Final = REPO_ROOT / "cdk.json"
DEFAULT_OUTDIR: Final = REPO_ROOT / "cdk.out"
FUNCTIONS_DIR: Final = REPO_ROOT / "functions"
CONTAINERS_DIR: Final = REPO_ROOT / "containers"  # containers/<function>/Dockerfile, built from REPO_ROOT
SHARED_PACKAGE_DIR: Final = REPO_ROOT / "shared"
API_LAYER_DIR: Final = REPO_ROOT / "layers" / "api"
API_LAYER_REQUIREMENTS: Final = API_LAYER_DIR / "requirements.txt"
PINNED_UV: Final = REPO_ROOT / ".tools" / "bin" / "uv"  # installed by `make` at the pinned version
