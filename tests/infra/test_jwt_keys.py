"""The JWT keys: a secret with no key material in the template, a public-key parameter that no stack owns, and
their rotation."""

import json
from typing import Any

import boto3
import pytest

from infra.constructs.jwt_keys import JwtKeys
from shared.catalog import JWT_KEY_ROTATION
from shared.constants import Env, signing_key_secret_name, verification_keys_parameter_name
from shared.dal import key_store
from shared.settings import get_settings
from tests.infra.conftest import STAGE, SynthesizedApp, logical_id, resources_of_type

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def template(synthesized: SynthesizedApp) -> dict[str, Any]:
    return synthesized.template(synthesized.api)


@pytest.fixture(scope="module")
def keys(synthesized: SynthesizedApp) -> JwtKeys:
    return synthesized.api.jwt_keys


def test_signing_key_secret_is_named_for_the_stage_and_holds_only_a_generated_placeholder(
    template: dict[str, Any], keys: JwtKeys
) -> None:
    # When the API stack's secret is read
    (secret_id, secret) = next(iter(resources_of_type(template, "AWS::SecretsManager::Secret").items()))
    properties = secret["Properties"]

    # Then it is the signing key named for the stage, with no value in the template, generated without a key id
    assert secret_id == logical_id(keys.signing_key)
    assert properties["Name"] == signing_key_secret_name(STAGE)
    assert "SecretString" not in properties  # nothing secret, and no value at all, is in the template
    generated = properties["GenerateSecretString"]
    assert "kid" not in json.loads(generated["SecretStringTemplate"])  # the functions treat it as "no key yet"


def test_no_stack_owns_the_verification_keys_parameter(synthesized: SynthesizedApp) -> None:
    """The rotation function is its one writer: no SSM parameter (or anything else but IAM policies granting access
    to it) in any template names it, so no deploy can put an empty key set back."""
    # When each stack's template is read, Then none has an SSM parameter, and only IAM policies name the keys' one
    name = verification_keys_parameter_name(STAGE)
    for stack in (synthesized.data, synthesized.storage, synthesized.api):
        template = synthesized.template(stack)
        assert resources_of_type(template, "AWS::SSM::Parameter") == {}
        naming = [
            lid
            for lid, resource in template["Resources"].items()
            if name.removeprefix("/") in json.dumps(resource) and resource["Type"] != "AWS::IAM::Policy"
        ]
        assert naming == [], f"{stack.stack_name}: {naming} name {name}"


@pytest.fixture
def deployed_stage(monkeypatch: pytest.MonkeyPatch) -> None:
    """The synthesized app's stage, so that moto holds the names the templates use."""
    monkeypatch.setenv(Env.STAGE, STAGE)
    get_settings.cache_clear()


def _apply_ssm_parameters(template: dict[str, Any]) -> None:
    """What CloudFormation does with an AWS::SSM::Parameter on a create or an update that changes it."""
    ssm = boto3.client("ssm", region_name="us-east-1")
    for resource in resources_of_type(template, "AWS::SSM::Parameter").values():
        properties = resource["Properties"]
        ssm.put_parameter(Name=properties["Name"], Value=properties["Value"], Type=properties["Type"], Overwrite=True)


@pytest.mark.usefixtures("deployed_stage", "aws")
def test_a_redeploy_keeps_the_published_keys(synthesized: SynthesizedApp) -> None:
    """moto, provisioned as the local cloud does, has a rotated key; deploying the templates again (each stack's
    SSM parameters written as CloudFormation writes them) must leave the published keys as they were."""
    # Given moto provisioned for the synthesized stage, its key rotated and published
    settings = get_settings()
    assert settings.stage == STAGE
    current = key_store.secret_version(settings.signing_key_secret, key_store.CURRENT)
    assert current is not None
    before = key_store.verification_keys()

    # When every stack's SSM parameters are written again, as a redeploy does
    for stack in (synthesized.data, synthesized.storage, synthesized.api):
        _apply_ssm_parameters(synthesized.template(stack))
    key_store.clear_cache()

    # Then the published keys are unchanged, the current one included
    assert key_store.verification_keys() == before
    assert current[1]["kid"] in before


def test_rotation_every_90_days_by_the_rotation_function_starting_at_deploy(
    template: dict[str, Any], keys: JwtKeys
) -> None:
    # When the rotation schedule is read
    (schedule,) = resources_of_type(template, "AWS::SecretsManager::RotationSchedule").values()
    properties = schedule["Properties"]

    # Then the rotation function rotates the signing key every 90 days, and at once on deploy
    assert JWT_KEY_ROTATION.rotate_every_days == 90
    assert properties["RotationRules"] == {"ScheduleExpression": "rate(90 days)"}
    assert properties["SecretId"] == {"Ref": logical_id(keys.signing_key)}
    assert properties["RotationLambdaARN"] == {"Fn::GetAtt": [logical_id(keys.rotation.function), "Arn"]}
    assert properties["RotateImmediatelyOnUpdate"] is True


def test_first_rotation_waits_for_the_role_policy_and_permission(template: dict[str, Any], keys: JwtKeys) -> None:
    # Given the rotation schedule, the rotation role's policy and Secrets Manager's permission to invoke
    (schedule,) = resources_of_type(template, "AWS::SecretsManager::RotationSchedule").values()
    (role_policy,) = [
        lid
        for lid, policy in resources_of_type(template, "AWS::IAM::Policy").items()
        if policy["Properties"]["Roles"] == [{"Ref": logical_id(keys.rotation.role)}]
    ]
    (permission,) = [
        lid
        for lid, p in resources_of_type(template, "AWS::Lambda::Permission").items()
        if p["Properties"]["Principal"] == "secretsmanager.amazonaws.com"
    ]

    # Then the schedule (and so the first rotation) depends on both
    assert {role_policy, permission} <= set(schedule["DependsOn"])


def test_only_secrets_manager_for_this_secret_may_invoke_the_rotation_function(
    template: dict[str, Any], keys: JwtKeys
) -> None:
    # When the permissions to invoke the rotation function are read
    invokers = [
        p["Properties"]
        for p in resources_of_type(template, "AWS::Lambda::Permission").values()
        if p["Properties"]["FunctionName"] == {"Fn::GetAtt": [logical_id(keys.rotation.function), "Arn"]}
    ]

    # Then there is one, for Secrets Manager, from this account and for this secret only
    assert invokers == [
        {
            "Action": "lambda:InvokeFunction",
            "FunctionName": {"Fn::GetAtt": [logical_id(keys.rotation.function), "Arn"]},
            "Principal": "secretsmanager.amazonaws.com",
            "SourceAccount": {"Ref": "AWS::AccountId"},
            "SourceArn": {"Ref": logical_id(keys.signing_key)},
        }
    ]


def test_rotation_function_knows_its_stage(template: dict[str, Any], keys: JwtKeys) -> None:
    """The secret and parameter names derive from KOTOBA_STAGE (shared/settings.py)."""
    # When the rotation function's environment is read, Then it holds the stage
    variables = template["Resources"][logical_id(keys.rotation.function)]["Properties"]["Environment"]["Variables"]

    assert variables[Env.STAGE] == STAGE
