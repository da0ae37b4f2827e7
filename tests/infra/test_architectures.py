"""Which processor each function runs on, as infra/architectures.py decides it from the packages each installs."""

from pathlib import Path

import pytest

from infra.architectures import (
    ARM64,
    LAYER_PLATFORM,
    NEEDS_X86_64,
    X86_64,
    canonical_name,
    image_platform,
    pinned_distributions,
    platform_for,
)
from infra.layout import API_LAYER_REQUIREMENTS, CONTAINERS_DIR


def test_the_zip_functions_run_on_graviton() -> None:
    # When the API layer's requirements are read, Then the zip functions and their layer are arm64
    assert LAYER_PLATFORM == platform_for(API_LAYER_REQUIREMENTS) == ARM64


def test_each_image_runs_on_graviton_unless_a_package_needs_x86_64() -> None:
    # When each container image's platform is decided from its requirements
    images = sorted(path.parent.name for path in CONTAINERS_DIR.glob("*/Dockerfile"))

    # Then the OCR worker, which installs paddlepaddle, and the speech worker, which installs praat-parselmouth, are
    # x86_64
    assert {name: image_platform(name).name for name in images} == {
        "ocr_worker": "x86_64",  # paddlepaddle: no oneDNN in its aarch64 wheel
        "readings_worker": "arm64",
        "speech_worker": "x86_64",  # praat-parselmouth: no aarch64 wheel
    }


def test_a_pin_that_needs_x86_64_keeps_its_package_set_there(tmp_path: Path) -> None:
    # When requirements with comments, blank lines and no package that needs x86_64 are read, Then they are arm64
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("# pinned\nnumpy==2.3.5\n\nrapidfuzz==3.14.6\n")
    assert platform_for(requirements) == ARM64

    # When paddlepaddle is pinned with another spelling and a marker, Then it is read as pinned and they are x86_64
    requirements.write_text("numpy==2.3.5\nPaddlePaddle==3.2.2 ; python_version >= '3.11'\n")
    assert pinned_distributions(requirements) == {"numpy", "paddlepaddle"}
    assert platform_for(requirements) == X86_64


@pytest.mark.parametrize(
    ("name", "canonical"), [("Paddle_Paddle", "paddle-paddle"), ("pyopenjtalk.plus", "pyopenjtalk-plus")]
)
def test_names_compare_as_pypi_compares_them(name: str, canonical: str) -> None:
    # When a distribution name is canonicalised, Then case, underscores and dots compare as PyPI compares them
    assert canonical_name(name) == canonical


def test_every_package_that_needs_x86_64_is_pinned_somewhere_and_says_why() -> None:
    # Given every distribution the images pin
    pinned = set().union(*(pinned_distributions(path) for path in CONTAINERS_DIR.glob("*/requirements.txt")))

    # Then each package listed as needing x86_64 is among them, and its reason says why in a sentence
    assert set(NEEDS_X86_64) <= pinned
    assert all(len(reason) > 40 for reason in NEEDS_X86_64.values())


def test_the_platforms_name_their_wheels_and_images() -> None:
    # When each platform's names are read, Then they are its manylinux wheel tags, uv's platform and Docker's
    assert ARM64.wheel_platforms == ("manylinux2014_aarch64", "manylinux_2_28_aarch64")
    assert X86_64.wheel_platforms == ("manylinux2014_x86_64", "manylinux_2_28_x86_64")
    assert (ARM64.uv_python_platform, X86_64.uv_python_platform) == ("aarch64-manylinux_2_28", "x86_64-manylinux_2_28")
    assert (ARM64.docker_platform, X86_64.docker_platform) == ("linux/arm64", "linux/amd64")
