"""The layer's local bundler: what it installs, what it copies from `shared/`, and when its hash changes."""

import subprocess
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

from infra.architectures import ARM64, LAYER_PLATFORM, PLATFORMS, X86_64, LambdaPlatform
from infra.constructs import shared_layer
from infra.constructs.shared_layer import (
    LAYER_SIZE_BUDGET_MB,
    LocalLayerBundler,
    install_command,
    layer_content_hash,
    shared_package_files,
)
from infra.layout import API_LAYER_REQUIREMENTS, REPO_ROOT, SHARED_PACKAGE_DIR
from shared.constants import LAMBDA_PYTHON_VERSION

pytestmark = pytest.mark.slow


@pytest.fixture
def fake_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A tiny `shared/` package with the kinds of files the layer must take and leave behind."""
    package = tmp_path / "shared"
    for relative, text in {
        "__init__.py": "",
        "dal/tables.py": "TABLES = 1\n",
        "content/words.json": "[]",
        "dal/__pycache__/tables.cpython-311.pyc": "junk",
        "notes.md": "not shipped",
    }.items():
        (package / relative).parent.mkdir(parents=True, exist_ok=True)
        (package / relative).write_text(text)
    (tmp_path / "requirements.txt").write_text("fastapi==0.163.2\n")
    monkeypatch.setattr(shared_layer, "REPO_ROOT", tmp_path)
    return tmp_path


def test_only_modules_and_content_are_taken_from_shared(fake_repo: Path) -> None:
    files = shared_package_files(fake_repo / "shared")

    assert [f.relative_to(fake_repo / "shared").as_posix() for f in files] == [
        "__init__.py",
        "content/words.json",
        "dal/tables.py",
    ]


def test_the_real_shared_package_ships_its_content() -> None:
    files = {f.relative_to(SHARED_PACKAGE_DIR).as_posix() for f in shared_package_files()}

    assert {"__init__.py", "constants.py", "catalog.py", "dal/tables.py"} <= files
    assert any(name.startswith("content/") and name.endswith(".json") for name in files)
    assert not [name for name in files if "__pycache__" in name]


def test_hash_follows_shared_and_requirements(fake_repo: Path) -> None:
    requirements, package = fake_repo / "requirements.txt", fake_repo / "shared"
    before = layer_content_hash(requirements, package)

    (package / "dal" / "tables.py").write_text("TABLES = 2\n")
    after_code_change = layer_content_hash(requirements, package)
    (package / "dal" / "__pycache__" / "tables.cpython-311.pyc").write_text("other junk")

    assert after_code_change != before
    assert layer_content_hash(requirements, package) == after_code_change


def test_install_targets_lambda_python_without_resolving_boto3(tmp_path: Path) -> None:
    command = install_command(API_LAYER_REQUIREMENTS, tmp_path)

    assert str(API_LAYER_REQUIREMENTS) in command
    assert str(tmp_path) in command
    assert command[command.index("--python-version") + 1] == LAMBDA_PYTHON_VERSION
    assert "--no-deps" in command
    assert LAYER_PLATFORM == ARM64
    assert any("aarch64" in argument for argument in command)
    assert not any("x86_64" in argument for argument in command)


@pytest.mark.parametrize("platform", PLATFORMS, ids=lambda p: p.name)
def test_install_downloads_the_wheels_of_the_platform_asked_for(tmp_path: Path, platform: LambdaPlatform) -> None:
    command = install_command(API_LAYER_REQUIREMENTS, tmp_path, platform)
    other = X86_64 if platform == ARM64 else ARM64

    named = [argument for argument in command if platform.machine in argument]
    assert named and set(named) <= {*platform.wheel_platforms, platform.uv_python_platform}
    assert not any(other.machine in argument for argument in command)


def test_hash_follows_the_platform(fake_repo: Path) -> None:
    requirements, package = fake_repo / "requirements.txt", fake_repo / "shared"

    assert layer_content_hash(requirements, package, ARM64) != layer_content_hash(requirements, package, X86_64)


def test_bundler_installs_into_python_and_copies_shared(fake_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    commands: list[list[str]] = []

    def fake_run(command: list[str], **_kwargs: Any) -> subprocess.CompletedProcess[str]:
        commands.append(command)
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(subprocess, "run", fake_run)
    output = fake_repo / "out"
    bundler = LocalLayerBundler(fake_repo / "requirements.txt", fake_repo / "shared")

    assert bundler.try_bundle(str(output), image=cdk.DockerImage.from_registry("unused")) is True
    (command,) = commands
    assert str(output / "python") in command
    copied = sorted(p.relative_to(output).as_posix() for p in output.rglob("*") if p.is_file())
    assert copied == ["python/shared/__init__.py", "python/shared/content/words.json", "python/shared/dal/tables.py"]


def test_repo_layout_points_at_the_real_folders() -> None:
    assert (REPO_ROOT / "cdk.json").is_file()
    assert API_LAYER_REQUIREMENTS.is_file()


def test_the_built_layer_fits_its_budget_with_the_docs_files(tmp_path: Path) -> None:
    # Given the layer built as CDK bundles it (pip fetches the pinned wheels for Lambda's Python and platform)
    LocalLayerBundler().try_bundle(str(tmp_path), image=cdk.DockerImage.from_registry("unused"))

    # When it is measured unzipped
    size_mb = sum(path.stat().st_size for path in tmp_path.rglob("*") if path.is_file()) / 1e6

    # Then it is within the budget, with the files the docs pages load (served by the API, not a CDN)
    assert size_mb <= LAYER_SIZE_BUDGET_MB
    static = tmp_path / "python" / "fastapi_offline" / "static"
    assert sorted(path.name for path in static.iterdir()) == [
        "favicon.png",
        "redoc.standalone.js",
        "swagger-ui-bundle.js",
        "swagger-ui.css",
    ]
