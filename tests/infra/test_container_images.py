"""Container image functions (the readings worker and the upload workers): each is built for its platform (arm64,
except the OCR worker: infra/architectures.py) from the repository root with its own Dockerfile, and what its build
context stages is exactly what that Dockerfile copies."""

from pathlib import Path
from typing import Any

import pytest

from infra.constructs.lambda_function import KotobaFunction, image_context_excludes
from infra.constructs.shared_layer import shared_package_files
from infra.layout import CONTAINERS_DIR, FUNCTIONS_DIR, REPO_ROOT, SHARED_PACKAGE_DIR
from shared.catalog import QUEUES, STREAM_CONSUMERS
from tests.infra.conftest import SynthesizedApp, image_assets, logical_id

pytestmark = pytest.mark.slow

IMAGE_FUNCTIONS = sorted([*(e.name for e in STREAM_CONSUMERS if e.container), *(spec.worker for spec in QUEUES)])
# Graviton wherever the wheels allow; paddlepaddle's aarch64 wheel has no oneDNN, PaddleOCR's fast CPU path, and
# praat-parselmouth (the speech worker's F0) has no aarch64 wheel.
ARCHITECTURES = {"ocr_worker": "x86_64", "readings_worker": "arm64", "speech_worker": "x86_64"}
DOCKER_PLATFORMS = {"x86_64": "linux/amd64", "arm64": "linux/arm64"}
# What must never reach an image's build context (the repository root), at any depth.
NEVER_STAGED = {".venv", "node_modules", "cdk.out", "tests", ".git", "__pycache__", ".cache", ".tools", "localcloud"}
MAX_STAGED_BYTES = 5 * 1024 * 1024  # sources only: under a megabyte today


@pytest.fixture(scope="module")
def template(synthesized: SynthesizedApp) -> dict[str, Any]:
    return synthesized.template(synthesized.api)


@pytest.fixture(scope="module")
def functions(synthesized: SynthesizedApp) -> dict[str, KotobaFunction]:
    return {function.name: function for function in synthesized.api.functions}


@pytest.fixture(scope="module")
def assets(synthesized: SynthesizedApp) -> dict[str, tuple[str, dict[str, Any]]]:
    return image_assets(synthesized)


def test_the_image_functions_are_the_readings_worker_and_the_upload_workers(
    functions: dict[str, KotobaFunction], assets: dict[str, tuple[str, dict[str, Any]]]
) -> None:
    # When the functions and the image assets are listed, Then the image functions are the readings worker and the
    # upload workers, each with its own Dockerfile's asset
    assert IMAGE_FUNCTIONS == ["ocr_worker", "readings_worker", "speech_worker"]
    assert sorted(name for name, function in functions.items() if function.package.is_image) == IMAGE_FUNCTIONS
    assert sorted(assets) == [f"containers/{name}/Dockerfile" for name in IMAGE_FUNCTIONS]


@pytest.mark.parametrize("name", IMAGE_FUNCTIONS)
def test_image_function_runs_its_own_image_on_its_platform(
    template: dict[str, Any],
    functions: dict[str, KotobaFunction],
    assets: dict[str, tuple[str, dict[str, Any]]],
    name: str,
) -> None:
    # Given the image function's resource in the template and its image asset
    function = functions[name]
    properties = template["Resources"][logical_id(function.function)]["Properties"]
    asset_hash, _ = assets[f"containers/{name}/Dockerfile"]

    # Then it runs that image on its platform, traced, with its own role, no layers and no reserved concurrency
    assert properties["PackageType"] == "Image"
    assert properties["Architectures"] == [ARCHITECTURES[name]]
    assert {"Runtime", "Handler", "Layers"}.isdisjoint(properties)  # the image's CMD names the handler
    assert properties["Code"]["ImageUri"]["Fn::Sub"].endswith(f":{asset_hash}")
    assert properties["TracingConfig"] == {"Mode": "Active"}
    assert properties["Role"] == {"Fn::GetAtt": [logical_id(function.role), "Arn"]}
    assert "ReservedConcurrentExecutions" not in properties


@pytest.mark.parametrize("name", IMAGE_FUNCTIONS)
def test_image_is_built_for_its_platform_from_the_repository_root_with_its_dockerfile(
    assets: dict[str, tuple[str, dict[str, Any]]], name: str
) -> None:
    # When the image asset's source is read, Then it is built for the function's platform with its Dockerfile
    _, source = assets[f"containers/{name}/Dockerfile"]

    assert source["platform"] == DOCKER_PLATFORMS[ARCHITECTURES[name]]
    assert (CONTAINERS_DIR / name / "Dockerfile").is_file()


def _copied_by_dockerfile(name: str) -> set[str]:
    """Sources of the Dockerfile's COPY lines, relative to the repository root."""
    lines = (CONTAINERS_DIR / name / "Dockerfile").read_text().splitlines()
    return {line.split()[1].rstrip("/") for line in lines if line.startswith("COPY ")}


@pytest.mark.parametrize("name", IMAGE_FUNCTIONS)
def test_staged_image_context_holds_only_what_the_dockerfile_copies(
    synthesized: SynthesizedApp, assets: dict[str, tuple[str, dict[str, Any]]], name: str
) -> None:
    # Given the files the synth staged as the image's build context
    _, source = assets[f"containers/{name}/Dockerfile"]
    staged = synthesized.directory / source["directory"]
    files = {path.relative_to(staged).as_posix() for path in staged.rglob("*") if path.is_file()}
    parts = {part for file in files for part in Path(file).parts}

    # Then they are only shared/ and the function's own modules, Dockerfile and requirements: no tests, venv, bytecode
    assert {Path(file).parts[0] for file in files} == {"shared", "functions", "containers"}
    assert not parts & NEVER_STAGED
    assert not [file for file in files if file.endswith(".pyc")]
    assert {file for file in files if not file.startswith("shared/")} == {
        f"containers/{name}/Dockerfile",
        f"containers/{name}/requirements.txt",
        *(f"functions/{name}/{p.name}" for p in (FUNCTIONS_DIR / name).glob("*.py")),
    }
    # Everything the Dockerfile copies is there...
    assert {"shared", f"functions/{name}/handler.py", f"containers/{name}/requirements.txt"} == _copied_by_dockerfile(
        name
    )
    # ...with every module and content file of `shared`; files created since the session's synth (others edit
    # shared/ while this suite runs) cannot be in it yet.
    synthesized_at = (synthesized.directory / "manifest.json").stat().st_mtime
    shared = {
        f"shared/{p.relative_to(SHARED_PACKAGE_DIR).as_posix()}"
        for p in shared_package_files()
        if p.stat().st_mtime < synthesized_at
    }
    assert "shared/upload_worker.py" in shared
    assert shared <= files
    assert sum((staged / file).stat().st_size for file in files) < MAX_STAGED_BYTES


@pytest.mark.parametrize("name", IMAGE_FUNCTIONS)
def test_image_context_excludes_everything_but_three_folders(name: str) -> None:
    # When the image's context excludes are read, Then everything is excluded but shared/ and the function's two folders
    assert image_context_excludes(name) == [
        "*",
        "!shared",
        f"!functions/{name}",
        f"!containers/{name}",
        "**/__pycache__",
        "**/*.pyc",
    ]
    assert (REPO_ROOT / "functions" / name / "handler.py").is_file()
