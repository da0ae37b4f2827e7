"""The SES identity the app's e-mail is sent from, and the one grant to send it.

From CDK context (infra/app.py): either a domain, verified with Easy DKIM (its three CNAME records are stack
outputs, to add to the domain's DNS), or a single address, which SES verifies by mailing it a link. A fresh account
is in the SES sandbox, where every recipient must be a verified identity too: `sandbox_recipients` are created as
address identities and granted as recipients, for testing until the account has production access.
"""

from dataclasses import dataclass
from typing import Final

import aws_cdk as cdk
from aws_cdk import aws_ses as ses
from constructs import Construct

from infra.constructs.lambda_function import KotobaFunction
from shared.iam_policy import SES_SEND_ACTIONS, MailSender, sender_condition

DKIM_RECORDS: Final = 3  # Easy DKIM publishes three CNAME records


@dataclass(frozen=True)
class EmailSettings(MailSender):
    """The sender and its identities (the domain is verified with Easy DKIM), and whether the identity exists."""

    identity_exists: bool = False  # the identity is already verified in this account and region: create none


class EmailIdentities(Construct):
    """The sender's identity (unless it exists already) and the sandbox recipients' identities."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: EmailSettings) -> None:
        super().__init__(scope, construct_id)
        self.settings = settings
        stack = cdk.Stack.of(self)
        self.sender_identity: ses.EmailIdentity | None = None
        if settings.identity_exists:
            sender_arns = [_identity_arn(stack, settings.identity)]
        else:
            self.sender_identity = ses.EmailIdentity(
                self,
                "Sender",
                identity=ses.Identity.domain(settings.domain)
                if settings.domain
                else ses.Identity.email(settings.sender),
                dkim_identity=(
                    ses.DkimIdentity.easy_dkim(ses.EasyDkimSigningKeyLength.RSA_2048_BIT) if settings.domain else None
                ),
            )
            sender_arns = [self.sender_identity.email_identity_arn]
        if settings.domain:
            # With the domain verified, SES may still authorize against the address's own ARN (when the address is
            # an identity too): both are named, and ses:FromAddress pins the one address either way.
            sender_arns.append(_identity_arn(stack, settings.sender))
        self.recipient_identities = [
            ses.EmailIdentity(self, f"SandboxRecipient{index}", identity=ses.Identity.email(address))
            for index, address in enumerate(settings.sandbox_recipients, start=1)
        ]
        self.identity_arns: list[str] = [
            *sender_arns,
            *(identity.email_identity_arn for identity in self.recipient_identities),
        ]
        if self.sender_identity is not None and settings.domain:
            for index in range(1, DKIM_RECORDS + 1):
                name = getattr(self.sender_identity, f"dkim_dns_token_name{index}")
                value = getattr(self.sender_identity, f"dkim_dns_token_value{index}")
                cdk.CfnOutput(
                    stack,
                    f"SesDkimRecord{index}",
                    description=f"Easy DKIM record {index} of {DKIM_RECORDS} for {settings.domain}: add it to its DNS",
                    value=cdk.Fn.join(" ", [name, "CNAME", value]),
                )

    def grant_send(self, function: KotobaFunction) -> None:
        """SendEmail and SendRawEmail on these identities only, and only from the configured sender."""
        function.allow(SES_SEND_ACTIONS, self.identity_arns, conditions=sender_condition(self.settings.sender))


def _identity_arn(stack: cdk.Stack, identity: str) -> str:
    return stack.format_arn(service="ses", resource="identity", resource_name=identity)
