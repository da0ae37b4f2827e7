"""The app's entry points: stage and SES context validation, and the feature flags read from cdk.json."""

import json
from typing import cast

import pytest
from aws_cdk import aws_iam as iam

from infra.app import (
    ALARM_EMAIL_CONTEXT_KEY,
    DEFAULT_STAGE,
    SES_DOMAIN_CONTEXT_KEY,
    SES_IDENTITY_EXISTS_CONTEXT_KEY,
    SES_SANDBOX_RECIPIENTS_CONTEXT_KEY,
    SES_SENDER_CONTEXT_KEY,
    WHISPER_MODEL_CONTEXT_KEY,
    alarm_email,
    build_app,
    cdk_json_context,
    email_settings,
    validate_ses_sender,
    validate_stage,
    whisper_model,
)
from infra.constructs.email_identity import EmailSettings
from infra.layout import CDK_JSON
from infra.stacks.api_stack import ApiStack
from shared.constants import Env, physical_name
from tests.infra.conftest import SKIP_BUNDLING, STAGE, SynthesizedApp

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("stage", ["local", "Prod", "x", "dev_1"])
def test_stages_the_functions_would_reject_are_refused(stage: str) -> None:
    # When a stage name is "local", has capitals, is too short or has an underscore, Then the app refuses it
    with pytest.raises(ValueError):  # noqa: PT011 - pydantic's ValidationError is a ValueError too
        validate_stage(stage)


@pytest.mark.parametrize("stage", [DEFAULT_STAGE, "prod", "staging-2"])
def test_deployable_stages_are_accepted(stage: str) -> None:
    # When a deployable stage name is checked, Then it is taken as it is
    assert validate_stage(stage) == stage


def test_cdk_json_runs_the_app_module_and_holds_the_feature_flags() -> None:
    # When cdk.json is read
    cdk_json = json.loads(CDK_JSON.read_text())

    # Then it runs the app module from the venv, and its context is the feature flags the app reads
    assert cdk_json["app"] == ".venv/bin/python -m infra.app"
    assert cdk_json_context() == cdk_json["context"]


def test_feature_flags_reach_the_app(synthesized: SynthesizedApp) -> None:
    # When the synthesized app's context is read, Then each flag of cdk.json is there, and the test stage
    for flag, value in cdk_json_context().items():
        assert synthesized.app.node.try_get_context(flag) == value
    assert synthesized.app.node.try_get_context("stage") == STAGE


@pytest.mark.parametrize("sender", ["no-reply@kotoba.app", "mail@mail.example.org"])
def test_plain_addresses_are_accepted_as_ses_sender(sender: str) -> None:
    # When a plain address is given as the SES sender, Then it is taken as it is
    assert validate_ses_sender(sender) == sender


@pytest.mark.parametrize("sender", ["", "kotoba.app", "Kotoba <no-reply@kotoba.app>", "a@b", "a@b.c,d@e.f"])
def test_anything_but_one_plain_address_is_refused_as_ses_sender(sender: str) -> None:
    # When the sender is empty, a domain, a display name, an undotted domain or two addresses, Then it is refused
    with pytest.raises(ValueError, match=SES_SENDER_CONTEXT_KEY):
        validate_ses_sender(sender)


def test_there_is_no_default_sender() -> None:
    """A default address of a domain nobody deploying owns would never verify: the app refuses to guess."""
    # When neither a domain nor a sender is in the context, Then the settings and the app are refused, naming the keys
    with pytest.raises(ValueError, match=f"{SES_DOMAIN_CONTEXT_KEY}=.*{SES_SENDER_CONTEXT_KEY}="):
        email_settings({})
    with pytest.raises(ValueError, match=SES_DOMAIN_CONTEXT_KEY):
        build_app(STAGE, SKIP_BUNDLING)


def test_a_domain_alone_sends_from_its_no_reply_address() -> None:
    # When only a domain is given
    settings = email_settings({SES_DOMAIN_CONTEXT_KEY: "mail.example.org"})

    # Then mail is sent from its no-reply address, and the domain is the verified identity
    assert settings == EmailSettings(sender="no-reply@mail.example.org", domain="mail.example.org")
    assert settings.identity == "mail.example.org"


def test_an_address_alone_is_its_own_identity() -> None:
    # When only a sender address is given
    settings = email_settings({SES_SENDER_CONTEXT_KEY: "someone@example.org"})

    # Then the address itself is the verified identity
    assert settings == EmailSettings(sender="someone@example.org")
    assert settings.identity == "someone@example.org"


@pytest.mark.parametrize("sender", ["no-reply@mail.example.org", "alerts@eu.mail.example.org"])
def test_a_sender_of_the_domain_or_a_subdomain_is_accepted(sender: str) -> None:
    # When a domain is given with a sender of that domain or a subdomain of it
    settings = email_settings({SES_DOMAIN_CONTEXT_KEY: "mail.example.org", SES_SENDER_CONTEXT_KEY: sender})

    # Then that sender is used, and the domain is the verified identity
    assert (settings.sender, settings.identity) == (sender, "mail.example.org")


@pytest.mark.parametrize("sender", ["no-reply@example.org", "no-reply@evilmail.example.org"])
def test_a_sender_outside_the_domain_is_refused(sender: str) -> None:
    # When the sender is of the parent domain or a look-alike one, Then it is refused as not of the domain
    with pytest.raises(ValueError, match="is not an address of"):
        email_settings({SES_DOMAIN_CONTEXT_KEY: "mail.example.org", SES_SENDER_CONTEXT_KEY: sender})


@pytest.mark.parametrize("domain", ["Mail.Example.org", "example", "-x.example.org", "mail.example.org."])
def test_malformed_domains_are_refused(domain: str) -> None:
    # When the domain has capitals, no dot, a leading hyphen or a trailing dot, Then it is refused, naming the key
    with pytest.raises(ValueError, match=SES_DOMAIN_CONTEXT_KEY):
        email_settings({SES_DOMAIN_CONTEXT_KEY: domain})


def test_sandbox_recipients_are_a_comma_separated_list_of_addresses() -> None:
    # When the sandbox recipients are a comma-separated list with spaces and a trailing comma
    settings = email_settings(
        {SES_SENDER_CONTEXT_KEY: "a@example.org", SES_SANDBOX_RECIPIENTS_CONTEXT_KEY: " me@example.org,qa@example.org,"}
    )

    # Then they are read as the addresses, and a list of names that are not addresses is refused
    assert settings.sandbox_recipients == ("me@example.org", "qa@example.org")
    with pytest.raises(ValueError, match=SES_SANDBOX_RECIPIENTS_CONTEXT_KEY):
        email_settings({SES_SENDER_CONTEXT_KEY: "a@example.org", SES_SANDBOX_RECIPIENTS_CONTEXT_KEY: "me, qa"})


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("False", False), (True, True), (None, False)])
def test_identity_exists_is_a_boolean_flag(value: object, expected: bool) -> None:
    # Given the identity-exists flag as a string of either case, a boolean, or missing
    context = {SES_SENDER_CONTEXT_KEY: "a@example.org", SES_IDENTITY_EXISTS_CONTEXT_KEY: value}

    # When the settings are read, Then it is that boolean, false when missing
    assert email_settings(context).identity_exists is expected


def test_identity_exists_must_be_true_or_false() -> None:
    # When the flag is "yes", Then it is refused, naming the key
    with pytest.raises(ValueError, match=SES_IDENTITY_EXISTS_CONTEXT_KEY):
        email_settings({SES_SENDER_CONTEXT_KEY: "a@example.org", SES_IDENTITY_EXISTS_CONTEXT_KEY: "yes"})


def test_ses_sender_from_context_reaches_the_environment_and_the_condition() -> None:
    """Built, not synthesized: the values are read from the constructs, which is enough to see the wiring."""
    # Given the app built with a sender in its context, and the one API function that sends e-mail
    app = build_app(STAGE, {**SKIP_BUNDLING, SES_SENDER_CONTEXT_KEY: "mail@example.org"})
    api = cast(ApiStack, app.node.find_child(physical_name(STAGE, "api")))
    (sender,) = [handler for handler in api.handlers if handler.entry.sends_email]

    # When its environment and its role's policy are read
    policy = cast(iam.Policy, sender.role.node.find_child("DefaultPolicy"))
    statements = api.resolve(policy.document)["Statement"]

    # Then the function is told the sender, and its role may send only from that address
    assert sender.environment[Env.SES_SENDER] == "mail@example.org"
    assert [s["Condition"] for s in statements if "ses:SendEmail" in s["Action"]] == [
        {"StringEquals": {"ses:FromAddress": "mail@example.org"}}
    ]


def test_alarm_email_is_optional_and_must_be_one_address() -> None:
    # When the alarm address is missing or empty, Then there is none
    assert alarm_email({}) is None
    assert alarm_email({ALARM_EMAIL_CONTEXT_KEY: ""}) is None

    # When it is one address, Then it is taken
    assert alarm_email({ALARM_EMAIL_CONTEXT_KEY: "ops@example.org"}) == "ops@example.org"

    # When it is a bare name, two addresses or an address at localhost, Then it is refused, naming the key
    for bad in ("ops", "a@example.org,b@example.org", "ops@localhost"):
        with pytest.raises(ValueError, match=ALARM_EMAIL_CONTEXT_KEY):
            alarm_email({ALARM_EMAIL_CONTEXT_KEY: bad})


def test_whisper_model_is_a_size_or_a_repository_and_nothing_else() -> None:
    # When no model is named, Then the image bakes base (no build argument)
    assert whisper_model({}) == whisper_model({WHISPER_MODEL_CONTEXT_KEY: ""}) == ""

    # When a size or an owner/repository is named, Then it is taken as it is
    for model in ("small", "medium", "large-v3", "kotoba-tech/kotoba-whisper-v2.0-faster"):
        assert whisper_model({WHISPER_MODEL_CONTEXT_KEY: model}) == model

    # When it could carry anything else into `docker build` (spaces, a shell, a path, a URL), Then it is refused
    for bad in ("small --network host", "small;rm -rf /", "../models", "https://example.org/model", "a/b/c"):
        with pytest.raises(ValueError, match=WHISPER_MODEL_CONTEXT_KEY):
            whisper_model({WHISPER_MODEL_CONTEXT_KEY: bad})
