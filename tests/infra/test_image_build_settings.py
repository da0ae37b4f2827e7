"""How the container images are built, beyond what they contain: for the architecture their function runs on, from a
multi-arch base that leaves the platform to CDK, and with nothing in the asset that would change the manifest Lambda
pulls.

Lambda rejects an image manifest list carrying provenance attestations (BuildKit's default). aws-cdk-lib 2.275's image
assets cannot turn them off, so the deployer exports `BUILDX_NO_DEFAULT_ATTESTATIONS=1` (README, deploy section); what
the construct can pin, the platform, is pinned and checked here.
"""

import inspect
import re
from typing import Any

import pytest
from aws_cdk import aws_lambda as lambda_

from infra.architectures import ARM64, X86_64, image_platform
from infra.constructs.lambda_function import NO_ATTESTATIONS_ENV, KotobaFunction
from infra.layout import CONTAINERS_DIR
from shared.constants import LAMBDA_PYTHON_VERSION, Env
from shared.services.speech import prepare_model
from tests.infra.conftest import SynthesizedApp, image_assets, logical_id

IMAGES = sorted(path.parent.name for path in CONTAINERS_DIR.glob("*/Dockerfile"))
BASE_IMAGE = f"public.ecr.aws/lambda/python:{LAMBDA_PYTHON_VERSION}"
# What the asset manifest's source may say: no `dockerOutputs` (an `--output` other than the local image store), no
# cache exports, no build secrets or SSH. `dockerBuildArgs` are allowed: they do not change the manifest's form.
ALLOWED_SOURCE_KEYS = {"directory", "dockerFile", "platform", "dockerBuildArgs"}


def test_each_platform_builds_images_for_its_own_architecture() -> None:
    # When each platform is read, Then x86_64 and arm64 build for linux/amd64 and linux/arm64, on Lambda's own
    # architectures, and the deployer's switch for attestations is BuildKit's
    assert (X86_64.name, X86_64.docker_platform, X86_64.image_platform.platform) == (
        "x86_64",
        "linux/amd64",
        "linux/amd64",
    )
    assert (ARM64.name, ARM64.docker_platform, ARM64.image_platform.platform) == ("arm64", "linux/arm64", "linux/arm64")
    # jsii objects compare by identity: by name, the platforms hold Lambda's own architectures
    assert [X86_64.architecture.name, ARM64.architecture.name] == [
        lambda_.Architecture.X86_64.name,
        lambda_.Architecture.ARM_64.name,
    ]
    assert NO_ATTESTATIONS_ENV == "BUILDX_NO_DEFAULT_ATTESTATIONS"


@pytest.mark.parametrize("name", IMAGES)
def test_dockerfile_builds_one_stage_from_the_multi_arch_lambda_python_base(name: str) -> None:
    """`--platform` (from CDK) picks the architecture of the base: a FROM with its own --platform or an arch-suffixed
    tag (`3.12-x86_64`, `3.12-arm64`) would silently disagree with the function if the architecture changed."""
    # When the image's Dockerfile is read
    lines = (CONTAINERS_DIR / name / "Dockerfile").read_text().splitlines()
    froms = [line.split()[1:] for line in lines if re.match(r"FROM\s", line, re.IGNORECASE)]

    # Then its one FROM is the multi-arch Lambda Python base, with no platform or architecture of its own
    assert froms == [[BASE_IMAGE]]


@pytest.mark.slow
def test_every_image_asset_is_built_for_the_architecture_its_function_runs_on(synthesized: SynthesizedApp) -> None:
    # Given the API stack's image functions and image assets
    template = synthesized.template(synthesized.api)
    assets: dict[str, tuple[str, dict[str, Any]]] = image_assets(synthesized)
    functions: list[KotobaFunction] = [f for f in synthesized.api.functions if f.package.is_image]

    # Then each image has its asset and its function, and each asset is built for its function's architecture,
    # with nothing in its source beyond the directory, Dockerfile, platform and build arguments
    assert sorted(assets) == [f"containers/{name}/Dockerfile" for name in IMAGES]
    assert sorted(f.name for f in functions) == IMAGES
    for function in functions:
        properties = template["Resources"][logical_id(function.function)]["Properties"]
        _, source = assets[f"containers/{function.name}/Dockerfile"]
        platform = image_platform(function.name)
        assert function.package.platform == platform
        assert properties["Architectures"] == [platform.name]
        assert source["platform"] == platform.docker_platform
        assert set(source) <= ALLOWED_SOURCE_KEYS, source


def test_the_speech_image_bakes_the_whisper_model_its_build_argument_names() -> None:
    """WHISPER_MODEL (empty: Whisper base from its registry packages; else a faster-whisper size or CTranslate2
    repository, fetched at build time) reaches `prepare_model`, and the directory it fills is the one the function
    loads from (KOTOBA_WHISPER_MODEL_DIR)."""
    # When the speech image's Dockerfile is read
    text = (CONTAINERS_DIR / "speech_worker" / "Dockerfile").read_text()
    lines = text.splitlines()
    args = [line for line in lines if line.startswith("ARG ")]
    model_dir = re.search(rf"{Env.WHISPER_MODEL_DIR}=(\S+)", text)
    prepare = next(index for index, line in enumerate(lines) if "prepare_model(" in line)

    # Then the argument is declared, empty by default, before the step that prepares the model with it, into the
    # directory the function reads
    assert args == ['ARG WHISPER_MODEL=""']
    assert lines.index(args[0]) < prepare
    assert model_dir is not None
    assert f'prepare_model(Path(\'{model_dir.group(1)}\'), sys.argv[1])" "${{WHISPER_MODEL}}"' in lines[prepare]
    assert list(inspect.signature(prepare_model).parameters) == ["target_dir", "name"]
