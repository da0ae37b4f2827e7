"""The app's entry points: stage and sender validation, and the feature flags read from cdk.json."""

import json
from typing import cast

import pytest
from aws_cdk import aws_iam as iam

from infra.app import (
    DEFAULT_SES_SENDER,
    DEFAULT_STAGE,
    SES_SENDER_CONTEXT_KEY,
    build_app,
    cdk_json_context,
    validate_ses_sender,
    validate_stage,
)
from infra.layout import CDK_JSON
from infra.stacks.api_stack import ApiStack
from shared.constants import Env, physical_name
from tests.infra.conftest import SKIP_BUNDLING, STAGE, SynthesizedApp

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


@pytest.mark.parametrize("sender", ["no-reply@kotoba.app", "mail@mail.example.org"])
def test_plain_addresses_are_accepted_as_ses_sender(sender: str) -> None:
    assert validate_ses_sender(sender) == sender


@pytest.mark.parametrize("sender", ["", "kotoba.app", "Kotoba <no-reply@kotoba.app>", "a@b", "a@b.c,d@e.f"])
def test_anything_but_one_plain_address_is_refused_as_ses_sender(sender: str) -> None:
    with pytest.raises(ValueError, match=SES_SENDER_CONTEXT_KEY):
        validate_ses_sender(sender)


def test_default_ses_sender() -> None:
    assert DEFAULT_SES_SENDER == "no-reply@kotoba.app"


def test_ses_sender_from_context_reaches_the_environment_and_the_condition() -> None:
    """Built, not synthesized: the values are read from the constructs, which is enough to see the wiring."""
    app = build_app(STAGE, {**SKIP_BUNDLING, SES_SENDER_CONTEXT_KEY: "mail@example.org"})
    api = cast(ApiStack, app.node.find_child(physical_name(STAGE, "api")))
    (sender,) = [handler for handler in api.handlers if handler.entry.sends_email]

    policy = cast(iam.Policy, sender.role.node.find_child("DefaultPolicy"))
    statements = api.resolve(policy.document)["Statement"]

    assert sender.environment[Env.SES_SENDER] == "mail@example.org"
    assert [s["Condition"] for s in statements if "ses:SendEmail" in s["Action"]] == [
        {"StringEquals": {"ses:FromAddress": "mail@example.org"}}
    ]
