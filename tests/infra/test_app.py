"""The app's entry points: stage validation and the feature flags read from cdk.json."""

import json

import pytest

from infra.app import DEFAULT_STAGE, cdk_json_context, validate_stage
from infra.layout import CDK_JSON
from tests.infra.conftest import STAGE, SynthesizedApp

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("stage", ["local", "Prod", "x", "dev_1"])
def test_stages_the_functions_would_reject_are_refused(stage: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - pydantic's ValidationError is a ValueError too
        validate_stage(stage)


@pytest.mark.parametrize("stage", [DEFAULT_STAGE, "prod", "staging-2"])
def test_deployable_stages_are_accepted(stage: str) -> None:
    assert validate_stage(stage) == stage


def test_cdk_json_runs_the_app_module_and_holds_the_feature_flags() -> None:
    cdk_json = json.loads(CDK_JSON.read_text())

    assert cdk_json["app"] == ".venv/bin/python -m infra.app"
    assert cdk_json_context() == cdk_json["context"]


def test_feature_flags_reach_the_app(synthesized: SynthesizedApp) -> None:
    for flag, value in cdk_json_context().items():
        assert synthesized.app.node.try_get_context(flag) == value
    assert synthesized.app.node.try_get_context("stage") == STAGE
