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

# SES v1 SendEmail (shared/dal/mailer.py) and its raw variant. SES authorizes them against the identity of the sender
# (the address, or the verified domain that covers it) and, in the sandbox, against each recipient's identity.
SES_SEND_ACTIONS: Final = ("ses:SendEmail", "ses:SendRawEmail")
DKIM_RECORDS: Final = 3  # Easy DKIM publishes three CNAME records


@dataclass(frozen=True)
class EmailSettings:
    sender: str  # the From address, pinned in IAM by ses:FromAddress
    domain: str | None = None  # verify this domain (Easy DKIM) rather than the sender address alone
    sandbox_recipients: tuple[str, ...] = ()  # verified recipients, while the account is in the SES sandbox
    identity_exists: bool = False  # the identity is already verified in this account and region: create none

    @property
    def identity(self) -> str:
        """The SES identity that covers the sender: its domain when one is given, else the address itself."""
        return self.domain or self.sender


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
        function.allow(
            SES_SEND_ACTIONS, self.identity_arns, conditions={"StringEquals": {"ses:FromAddress": self.settings.sender}}
        )


def _identity_arn(stack: cdk.Stack, identity: str) -> str:
    return stack.format_arn(service="ses", resource="identity", resource_name=identity)
