"""The Lambda layer every API function shares: the pinned dependencies plus the repository's `shared/` package.

It is bundled on this machine, without Docker (none is available here): wheels are downloaded for the Lambda
platform rather than built, so the result does not depend on the build host's OS or Python version.
"""

import hashlib
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Final

import aws_cdk as cdk
import jsii
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.architectures import LAYER_PLATFORM, LambdaPlatform
from infra.layout import API_LAYER_DIR, API_LAYER_REQUIREMENTS, PINNED_UV, REPO_ROOT, SHARED_PACKAGE_DIR
from shared.constants import LAMBDA_PYTHON_VERSION

# Python 3.12+ supports SnapStart; a runtime built by name must say so, or CDK refuses `snap_start` on it.
PYTHON_RUNTIME: Final = lambda_.Runtime(
    f"python{LAMBDA_PYTHON_VERSION}", lambda_.RuntimeFamily.PYTHON, supports_snap_start=True
)
LAYER_SITE_DIR: Final = "python"  # Lambda adds /opt/python to sys.path
SHARED_CONTENT_GLOB: Final = "content/*.json"
# Unzipped, as Lambda counts it against the 250 MB of a function with its layers (issue #10's budget, measured by
# bench/cold_start.py and tests/infra/test_shared_layer.py). Swagger UI's and ReDoc's files take 2.8 MB of it.
LAYER_SIZE_BUDGET_MB: Final = 40


def shared_package_files(package_dir: Path = SHARED_PACKAGE_DIR) -> list[Path]:
    """What the layer takes from `shared/`: its modules and the bundled content, nothing cached."""
    modules = [path for path in package_dir.rglob("*.py") if "__pycache__" not in path.parts]
    return sorted([*modules, *package_dir.glob(SHARED_CONTENT_GLOB)])


def install_command(requirements: Path, target: Path, platform: LambdaPlatform = LAYER_PLATFORM) -> list[str]:
    """Install the requirements for Lambda's Python on `platform` into `target`.

    `--no-deps`: requirements.txt is the complete pinned set minus boto3 and its dependencies, which the
    Lambda runtime provides; resolving again would pull in an unpinned botocore that shadows the runtime's.
    `--no-compile`: bytecode compiled by this interpreter would be for the wrong Python version.
    Uses this interpreter's pip, else the repository's pinned uv, else uv on PATH: uv-made virtualenvs
    ship without pip.
    """
    if importlib.util.find_spec("pip") is not None:
        platforms = [
            argument for wheel_platform in platform.wheel_platforms for argument in ("--platform", wheel_platform)
        ]
        return [
            sys.executable, "-m", "pip", "install", "-r", str(requirements), "-t", str(target), *platforms,
            "--only-binary=:all:", "--python-version", LAMBDA_PYTHON_VERSION, "--implementation", "cp",
            "--no-deps", "--no-compile", "--quiet",
        ]  # fmt: skip
    uv = str(PINNED_UV) if PINNED_UV.exists() else shutil.which("uv")
    if uv is None:
        raise RuntimeError("bundling the API layer needs pip in this interpreter or uv on PATH")
    return [
        uv, "pip", "install", "-r", str(requirements), "--target", str(target),
        "--python-platform", platform.uv_python_platform, "--python-version", LAMBDA_PYTHON_VERSION,
        "--only-binary", ":all:", "--no-deps", "--quiet",
    ]  # fmt: skip


def copy_shared_package(destination: Path, package_dir: Path = SHARED_PACKAGE_DIR) -> None:
    for source in shared_package_files(package_dir):
        target = destination / source.relative_to(package_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)


def layer_content_hash(
    requirements: Path = API_LAYER_REQUIREMENTS,
    package_dir: Path = SHARED_PACKAGE_DIR,
    platform: LambdaPlatform = LAYER_PLATFORM,
) -> str:
    """A hash of everything the layer is built from, so that a change to `shared/` or of platform publishes a new
    layer version even though the asset's source folder (`layers/api/`) did not change."""
    digest = hashlib.sha256()
    digest.update(" ".join((LAMBDA_PYTHON_VERSION, *platform.wheel_platforms)).encode())
    for path in [requirements, *shared_package_files(package_dir)]:
        digest.update(path.relative_to(REPO_ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@jsii.implements(cdk.ILocalBundling)
class LocalLayerBundler:
    """Builds the layer folder with pip (or uv) on the synth machine instead of in Docker."""

    def __init__(
        self,
        requirements: Path = API_LAYER_REQUIREMENTS,
        package_dir: Path = SHARED_PACKAGE_DIR,
        platform: LambdaPlatform = LAYER_PLATFORM,
    ) -> None:
        self._requirements = requirements
        self._package_dir = package_dir
        self._platform = platform

    def try_bundle(self, output_dir: str, *, image: cdk.DockerImage, **_docker_options: Any) -> bool:
        """Called by CDK before Docker bundling; jsii passes the keyword-only options by name (`image`)."""
        site_dir = Path(output_dir) / LAYER_SITE_DIR
        subprocess.run(install_command(self._requirements, site_dir, self._platform), check=True)  # noqa: S603 - fixed argv
        copy_shared_package(site_dir / "shared", self._package_dir)
        return True


class SharedDependencyLayer(Construct):
    """The layer version with the API's dependencies and `shared/`, for Python 3.12 on `LAYER_PLATFORM`: the
    platform of every function that runs on it."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.platform = LAYER_PLATFORM
        self.layer = lambda_.LayerVersion(
            self,
            "Layer",
            description="kotoba API dependencies (layers/api/requirements.txt) and the shared package",
            code=lambda_.Code.from_asset(
                str(API_LAYER_DIR),
                asset_hash=layer_content_hash(platform=self.platform),
                bundling=cdk.BundlingOptions(
                    image=PYTHON_RUNTIME.bundling_image,  # required by the API, never used: local bundling
                    local=LocalLayerBundler(platform=self.platform),
                ),
            ),
            compatible_runtimes=[PYTHON_RUNTIME],
            compatible_architectures=[self.platform.architecture],
        )
