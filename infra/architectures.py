"""The processor each function runs on: decided here, from the packages it installs, and nowhere else.

Graviton (arm64) costs about 20% less per GB-second than x86_64, so a function runs on arm64 unless a package it
installs keeps it on x86_64. `NEEDS_X86_64` names those packages with the reason. The zip functions all run on the one
shared layer, so they move together: the layer's requirements decide for all of them. Each container image decides by
its own requirements. The layer is bundled with the wheels of the platform decided here, and each image is built for it.

`bench/wheel_platforms.py` downloads every pinned wheel for both platforms (CPython 3.12, manylinux): every pin but
praat-parselmouth has an aarch64 wheel today; it also lists the native libraries that one platform's build bundles and
the other's lacks, which is how paddlepaddle's reason below was found.
"""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_lambda as lambda_

from infra.layout import API_LAYER_REQUIREMENTS, CONTAINERS_DIR


@dataclass(frozen=True)
class LambdaPlatform:
    """A Lambda architecture and the names the packaging tools give it."""

    architecture: lambda_.Architecture
    machine: str  # as wheel tags and `uname -m` name it

    @property
    def name(self) -> str:
        """Lambda's name for it: x86_64 or arm64."""
        return str(self.architecture.name)

    @property
    def wheel_platforms(self) -> tuple[str, ...]:
        """pip's `--platform` values. Lambda's Python 3.12 runs on Amazon Linux 2023 (glibc 2.34); some pinned wheels
        (argon2-cffi-bindings 26) are only published for manylinux_2_28, so manylinux2014 alone is not enough."""
        return (f"manylinux2014_{self.machine}", f"manylinux_2_28_{self.machine}")

    @property
    def uv_python_platform(self) -> str:
        """uv's `--python-platform` value (it accepts every manylinux up to 2_28)."""
        return f"{self.machine}-manylinux_2_28"

    @property
    def docker_platform(self) -> str:
        """What an image for it is built as: linux/amd64 or linux/arm64."""
        return str(self.architecture.docker_platform)

    @property
    def image_platform(self) -> ecr_assets.Platform:
        return ecr_assets.Platform.custom(self.docker_platform)


X86_64: Final = LambdaPlatform(lambda_.Architecture.X86_64, "x86_64")
ARM64: Final = LambdaPlatform(lambda_.Architecture.ARM_64, "aarch64")
PLATFORMS: Final = (X86_64, ARM64)

# Distribution (canonical name) -> why a function that installs it stays on x86_64.
NEEDS_X86_64: Final = {
    "paddlepaddle": (
        "its aarch64 wheel is built without oneDNN and MKL (no libdnnl, libmklml_intel or libiomp5), and PaddleOCR's "
        "oneDNN path (enable_mkldnn, shared/services/ocr.py) is about 10x faster on CPU than the plain one"
    ),
    "praat-parselmouth": (
        "the registry has no aarch64 wheel of it (0.4.7: x86_64 only; its source build needs CMake and a C++ "
        "compiler the Lambda base image lacks); the speech worker tracks the learner's F0 with it "
        "(shared/services/pitch_contour.py)"
    ),
}


def canonical_name(name: str) -> str:
    """A distribution's name as PyPI compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned_distributions(requirements: Path) -> set[str]:
    """The canonical names of the distributions a requirements file pins (comments and blank lines skipped)."""
    names = set()
    for line in requirements.read_text().splitlines():
        match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", line)
        if match and not line.lstrip().startswith("#"):
            names.add(canonical_name(match.group(1)))
    return names


def platform_for(requirements: Path) -> LambdaPlatform:
    """arm64, unless one of the pinned distributions needs x86_64."""
    return X86_64 if pinned_distributions(requirements) & NEEDS_X86_64.keys() else ARM64


def image_requirements(name: str) -> Path:
    return CONTAINERS_DIR / name / "requirements.txt"


# The zip functions' platform: that of the shared layer they all run on.
LAYER_PLATFORM: Final = platform_for(API_LAYER_REQUIREMENTS)


def image_platform(name: str) -> LambdaPlatform:
    """The platform of the image `containers/<name>/`, which its function runs on."""
    return platform_for(image_requirements(name))
