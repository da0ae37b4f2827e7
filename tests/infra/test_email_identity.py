"""The SES identity the app sends from is a resource of the API stack (a domain with Easy DKIM, or one address),
sending is granted on it alone, and sandbox recipients are identities of their own."""

from typing import Any, cast

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_ses as ses

from infra.app import (
    SES_IDENTITY_EXISTS_CONTEXT_KEY,
    SES_SANDBOX_RECIPIENTS_CONTEXT_KEY,
    SES_SENDER_CONTEXT_KEY,
    build_app,
)
from infra.constructs.email_identity import DKIM_RECORDS
from infra.stacks.api_stack import ApiStack
from shared.constants import physical_name
from tests.infra.conftest import SES_DOMAIN, SKIP_BUNDLING, STAGE, SynthesizedApp, logical_id, resources_of_type

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def template(synthesized: SynthesizedApp) -> dict[str, Any]:
    return synthesized.template(synthesized.api)


def test_the_domain_is_an_identity_with_easy_dkim(template: dict[str, Any], synthesized: SynthesizedApp) -> None:
    # When the API stack's SES identities are listed
    identities = resources_of_type(template, "AWS::SES::EmailIdentity")
    sender = synthesized.api.email.sender_identity
    assert sender is not None

    # Then the one identity is the test domain, signed by Easy DKIM with 2048-bit keys
    assert list(identities) == [logical_id(sender)]
    properties = identities[logical_id(sender)]["Properties"]
    assert properties["EmailIdentity"] == SES_DOMAIN
    assert properties["DkimSigningAttributes"] == {"NextSigningKeyLength": "RSA_2048_BIT"}
    assert properties.get("DkimAttributes", {"SigningEnabled": True}) == {"SigningEnabled": True}


def test_the_three_dkim_records_are_outputs(template: dict[str, Any], synthesized: SynthesizedApp) -> None:
    # Given the domain's identity
    sender = synthesized.api.email.sender_identity
    assert sender is not None
    outputs = template["Outputs"]

    # When the stack's outputs are read, Then each of the three DKIM records is a CNAME of the identity's token
    for index in range(1, DKIM_RECORDS + 1):
        (name, cname, value) = outputs[f"SesDkimRecord{index}"]["Value"]["Fn::Join"][1]
        assert cname == "CNAME"
        assert name == {"Fn::GetAtt": [logical_id(sender), f"DkimDNSTokenName{index}"]}
        assert value == {"Fn::GetAtt": [logical_id(sender), f"DkimDNSTokenValue{index}"]}


def test_the_sending_function_waits_for_the_identity(template: dict[str, Any], synthesized: SynthesizedApp) -> None:
    """Its policy names the identity by Ref, so CloudFormation creates the identity first."""
    # Given the one function that sends e-mail, and the domain's identity
    (sender,) = [h for h in synthesized.api.handlers if h.entry.sends_email]
    sender_identity = synthesized.api.email.sender_identity
    assert sender_identity is not None
    (policy,) = [
        p
        for p in resources_of_type(template, "AWS::IAM::Policy").values()
        if p["Properties"]["Roles"] == [{"Ref": logical_id(sender.role)}]
    ]

    # When its role's policy is read, Then it refers to the identity, which CloudFormation therefore creates first
    assert {"Ref": logical_id(sender_identity)} in str_refs(policy)


def str_refs(node: Any) -> list[dict[str, str]]:
    """Every {"Ref": ...} inside `node`."""
    if isinstance(node, dict):
        own = [node] if set(node) == {"Ref"} else []
        return own + [ref for value in node.values() for ref in str_refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in str_refs(value)]
    return []


def _built(context: dict[str, Any]) -> ApiStack:
    app = build_app(STAGE, {**SKIP_BUNDLING, **context})
    return cast(ApiStack, app.node.find_child(physical_name(STAGE, "api")))


def _identities(stack: cdk.Stack) -> list[str]:
    return sorted(
        cast(str, child.email_identity) for child in stack.node.find_all() if isinstance(child, ses.CfnEmailIdentity)
    )


def _ses_statements(api: ApiStack) -> list[dict[str, Any]]:
    (sender,) = [handler for handler in api.handlers if handler.entry.sends_email]
    policy = cast(iam.Policy, sender.role.node.find_child("DefaultPolicy"))
    return [s for s in api.resolve(policy.document)["Statement"] if "ses:SendEmail" in s["Action"]]


def test_an_address_is_an_identity_of_its_own_without_dkim_records() -> None:
    # When the API stack is built with a sender address and no domain
    api = _built({SES_SENDER_CONTEXT_KEY: "someone@example.org"})
    sender_identity = api.email.sender_identity
    assert sender_identity is not None

    # Then the address is the one identity, the one sending may use, and there are no DKIM outputs
    assert _identities(api) == ["someone@example.org"]
    (statement,) = _ses_statements(api)
    assert statement["Resource"] == api.resolve(sender_identity.email_identity_arn)
    assert not [child for child in api.node.children if isinstance(child, cdk.CfnOutput) and "Dkim" in child.node.id]


def test_sandbox_recipients_are_identities_and_may_be_sent_to() -> None:
    """In the SES sandbox a send is authorized against each recipient's identity too."""
    # When the stack is built with a sender and a sandbox recipient
    api = _built({SES_SENDER_CONTEXT_KEY: "someone@example.org", SES_SANDBOX_RECIPIENTS_CONTEXT_KEY: "me@example.org"})

    # Then both are identities, sending may use both, and only from the sender's address
    assert _identities(api) == ["me@example.org", "someone@example.org"]
    (statement,) = _ses_statements(api)
    assert sorted(map(str, statement["Resource"])) == sorted(str(api.resolve(arn)) for arn in api.email.identity_arns)
    assert len(api.email.identity_arns) == 2
    assert statement["Condition"] == {"StringEquals": {"ses:FromAddress": "someone@example.org"}}


def test_an_identity_verified_before_is_named_not_created() -> None:
    """Creating an identity that exists already fails the deploy: `ses_identity_exists=true` names it by ARN."""
    # When the stack is built with a sender whose identity is said to exist already
    api = _built({SES_SENDER_CONTEXT_KEY: "someone@example.org", SES_IDENTITY_EXISTS_CONTEXT_KEY: "true"})

    # Then no identity is created, and sending is granted on the address's identity ARN
    assert _identities(api) == []
    assert api.email.sender_identity is None
    (statement,) = _ses_statements(api)
    assert statement["Resource"]["Fn::Join"][1][-1] == ":identity/someone@example.org"
