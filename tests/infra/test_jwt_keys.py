"""The JWT keys: a secret with no key material in the template, the public-key parameter, and their rotation."""

import json
from typing import Any

import pytest

from infra.constructs.jwt_keys import JwtKeys
from shared.catalog import JWT_KEY_ROTATION
from shared.constants import Env, signing_key_secret_name, verification_keys_parameter_name
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
    (secret_id, secret) = next(iter(resources_of_type(template, "AWS::SecretsManager::Secret").items()))
    properties = secret["Properties"]

    assert secret_id == logical_id(keys.signing_key)
    assert properties["Name"] == signing_key_secret_name(STAGE)
    assert "SecretString" not in properties  # nothing secret, and no value at all, is in the template
    generated = properties["GenerateSecretString"]
    assert "kid" not in json.loads(generated["SecretStringTemplate"])  # the functions treat it as "no key yet"


def test_verification_keys_parameter_starts_empty(template: dict[str, Any], keys: JwtKeys) -> None:
    parameter = template["Resources"][logical_id(keys.verification_keys)]["Properties"]

    assert parameter["Name"] == verification_keys_parameter_name(STAGE)
    assert parameter["Type"] == "String"
    assert json.loads(parameter["Value"]) == {"keys": {}}


def test_rotation_every_90_days_by_the_rotation_function_starting_at_deploy(
    template: dict[str, Any], keys: JwtKeys
) -> None:
    (schedule,) = resources_of_type(template, "AWS::SecretsManager::RotationSchedule").values()
    properties = schedule["Properties"]

    assert JWT_KEY_ROTATION.rotate_every_days == 90
    assert properties["RotationRules"] == {"ScheduleExpression": "rate(90 days)"}
    assert properties["SecretId"] == {"Ref": logical_id(keys.signing_key)}
    assert properties["RotationLambdaARN"] == {"Fn::GetAtt": [logical_id(keys.rotation.function), "Arn"]}
    assert properties["RotateImmediatelyOnUpdate"] is True


def test_first_rotation_waits_for_the_role_permission_and_parameter(template: dict[str, Any], keys: JwtKeys) -> None:
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

    assert {role_policy, permission, logical_id(keys.verification_keys)} <= set(schedule["DependsOn"])


def test_only_secrets_manager_for_this_secret_may_invoke_the_rotation_function(
    template: dict[str, Any], keys: JwtKeys
) -> None:
    invokers = [
        p["Properties"]
        for p in resources_of_type(template, "AWS::Lambda::Permission").values()
        if p["Properties"]["FunctionName"] == {"Fn::GetAtt": [logical_id(keys.rotation.function), "Arn"]}
    ]

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
    variables = template["Resources"][logical_id(keys.rotation.function)]["Properties"]["Environment"]["Variables"]

    assert variables[Env.STAGE] == STAGE
