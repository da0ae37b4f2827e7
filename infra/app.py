"""Entry point of the CDK app: `cdk synth -c stage=prod -c ses_domain=mail.example.org`, or `python -m infra.app`
(stage dev, outdir cdk.out; the SES values then come from $CDK_CONTEXT_JSON, as the CLI passes them).

Feature flags live in cdk.json only; the app reads them from there too, so a plain `python -m infra.app`
and the tests synthesize exactly what the CDK CLI does.
"""

import json
import os
import re
from collections.abc import Mapping
from typing import Any, Final

import aws_cdk as cdk

from infra.constructs.email_identity import EmailSettings
from infra.layout import CDK_JSON, DEFAULT_OUTDIR
from infra.nag import add_aws_solutions_checks
from infra.stacks.api_stack import ApiStack
from infra.stacks.data_stack import DataStack
from infra.stacks.storage_stack import StorageStack
from shared.constants import APP_NAME, physical_name
from shared.settings import LOCAL_STAGE, Settings

STAGE_CONTEXT_KEY: Final = "stage"
DEFAULT_STAGE: Final = "dev"
# The SES identity (infra/constructs/email_identity.py): `-c ses_domain=mail.example.org` (sender
# no-reply@ that domain unless `-c ses_sender=...` says otherwise) or `-c ses_sender=someone@example.org` alone.
# There is no default: an address of a domain nobody here owns would never verify, and no e-mail would ever leave.
SES_SENDER_CONTEXT_KEY: Final = "ses_sender"
SES_DOMAIN_CONTEXT_KEY: Final = "ses_domain"
SES_SANDBOX_RECIPIENTS_CONTEXT_KEY: Final = "ses_sandbox_recipients"  # comma-separated, while in the SES sandbox
SES_IDENTITY_EXISTS_CONTEXT_KEY: Final = "ses_identity_exists"  # "true": verified outside this app already
DEFAULT_LOCAL_PART: Final = "no-reply"
# `-c alarm_email=ops@example.org`: the alarm topic mails that address (SNS asks it to confirm first). Optional.
ALARM_EMAIL_CONTEXT_KEY: Final = "alarm_email"
# `-c whisper_model=small`: the Whisper the speech image bakes (infra/constructs/upload_worker.py), a faster-whisper
# size or a Hugging Face repository of a CTranslate2 conversion; none: Whisper base, from its registry packages.
WHISPER_MODEL_CONTEXT_KEY: Final = "whisper_model"
_WHISPER_MODEL: Final = re.compile(r"[a-z0-9][a-z0-9.-]{0,40}|[A-Za-z0-9][\w.-]{0,95}/[\w.-]{1,96}")
_EMAIL_ADDRESS: Final = re.compile(r"[^@\s,]+@[^@\s,]+\.[^@\s,]+")
_DOMAIN: Final = re.compile(r"(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


def cdk_json_context() -> dict[str, Any]:
    context: dict[str, Any] = json.loads(CDK_JSON.read_text())["context"]
    return context


def validate_stage(stage: str) -> str:
    """Refuse the local cloud's stage and anything the functions' settings would reject at cold start."""
    if stage == LOCAL_STAGE:
        raise ValueError(f"stage {LOCAL_STAGE!r} is the local cloud's; it is never deployed")
    Settings.model_validate({"stage": stage})  # the same pattern KOTOBA_STAGE must match in the functions
    return stage


def validate_ses_sender(sender: str) -> str:
    """The From address of the app's e-mail: one plain address, since IAM pins it with ses:FromAddress."""
    if not _EMAIL_ADDRESS.fullmatch(sender):
        raise ValueError(f"context {SES_SENDER_CONTEXT_KEY!r} must be one e-mail address, not {sender!r}")
    return sender


def validate_ses_domain(domain: str) -> str:
    if not _DOMAIN.fullmatch(domain):
        raise ValueError(f"context {SES_DOMAIN_CONTEXT_KEY!r} must be a lower-case domain name, not {domain!r}")
    return domain


def email_settings(context: Mapping[str, Any]) -> EmailSettings:
    """The SES identity and sender from the context values (see the constants above)."""
    domain = context.get(SES_DOMAIN_CONTEXT_KEY) or None
    sender = context.get(SES_SENDER_CONTEXT_KEY) or (f"{DEFAULT_LOCAL_PART}@{domain}" if domain else None)
    if sender is None:
        raise ValueError(
            f"set -c {SES_DOMAIN_CONTEXT_KEY}=<a domain whose DNS you control> (Easy DKIM) or "
            f"-c {SES_SENDER_CONTEXT_KEY}=<an address you can read mail at>: the app's e-mail is sent from it"
        )
    if domain is not None:
        validate_ses_domain(domain)
    validate_ses_sender(sender)
    if domain is not None:
        sender_domain = sender.rsplit("@", 1)[1].lower()
        if sender_domain != domain and not sender_domain.endswith(f".{domain}"):
            raise ValueError(f"context {SES_SENDER_CONTEXT_KEY!r} {sender!r} is not an address of {domain!r}")
    recipients = context.get(SES_SANDBOX_RECIPIENTS_CONTEXT_KEY) or ()
    if isinstance(recipients, str):
        recipients = [part.strip() for part in recipients.split(",") if part.strip()]
    for recipient in recipients:
        if not _EMAIL_ADDRESS.fullmatch(recipient):
            raise ValueError(f"context {SES_SANDBOX_RECIPIENTS_CONTEXT_KEY!r}: {recipient!r} is not one address")
    return EmailSettings(
        sender=sender,
        domain=domain,
        sandbox_recipients=tuple(dict.fromkeys(recipients)),
        identity_exists=_flag(context.get(SES_IDENTITY_EXISTS_CONTEXT_KEY)),
    )


def alarm_email(context: Mapping[str, Any]) -> str | None:
    """The address the alarm topic mails, from context (none: the alarms only reach the topic)."""
    address = context.get(ALARM_EMAIL_CONTEXT_KEY) or None
    if address is not None and not _EMAIL_ADDRESS.fullmatch(str(address)):
        raise ValueError(f"context {ALARM_EMAIL_CONTEXT_KEY!r} must be one e-mail address, not {address!r}")
    return address


def _flag(value: Any) -> bool:
    """A boolean context value: `-c key=true` arrives as the string "true"."""
    if value is None or isinstance(value, bool):
        return bool(value)
    if str(value).lower() in {"true", "false"}:
        return str(value).lower() == "true"
    raise ValueError(f"context {SES_IDENTITY_EXISTS_CONTEXT_KEY!r} must be true or false, not {value!r}")


def whisper_model(context: Mapping[str, Any]) -> str:
    """The Whisper model the speech image bakes, from context ("" for base); it becomes a `docker build` argument and
    a download at build time, so nothing but a size name or an `owner/repository` passes."""
    model = str(context.get(WHISPER_MODEL_CONTEXT_KEY) or "")
    if model and not _WHISPER_MODEL.fullmatch(model):
        raise ValueError(
            f"context {WHISPER_MODEL_CONTEXT_KEY!r} must be a Whisper size (small, medium) or a Hugging Face "
            f"repository of a CTranslate2 conversion (owner/name), not {model!r}"
        )
    return model


def add_stacks(app: cdk.App, stage: str) -> None:
    """The three stacks of one stage, checked by cdk-nag's AwsSolutions pack at synth."""
    validate_stage(stage)
    email = email_settings(
        {
            key: app.node.try_get_context(key)
            for key in (
                SES_SENDER_CONTEXT_KEY,
                SES_DOMAIN_CONTEXT_KEY,
                SES_SANDBOX_RECIPIENTS_CONTEXT_KEY,
                SES_IDENTITY_EXISTS_CONTEXT_KEY,
            )
        }
    )
    tags = {"app": APP_NAME, "stage": stage}
    data = DataStack(app, physical_name(stage, "data"), stage=stage, tags=tags)
    storage = StorageStack(app, physical_name(stage, "storage"), stage=stage, tags=tags)
    api = ApiStack(
        app,
        physical_name(stage, "api"),
        stage=stage,
        tags=tags,
        tables=data.tables,
        media_bucket_name=storage.media_bucket_name_import,
        email=email,
        alarm_email=alarm_email({ALARM_EMAIL_CONTEXT_KEY: app.node.try_get_context(ALARM_EMAIL_CONTEXT_KEY)}),
        whisper_model=whisper_model({WHISPER_MODEL_CONTEXT_KEY: app.node.try_get_context(WHISPER_MODEL_CONTEXT_KEY)}),
    )
    api.add_stack_dependency(storage, "imports the media bucket's name; its upload workers read the work queues")
    add_aws_solutions_checks(app)


def build_app(stage: str, context: Mapping[str, Any] | None = None) -> cdk.App:
    """The app for `stage`, not synthesized: outdir is $CDK_OUTDIR or a temporary folder."""
    app = cdk.App(context={**cdk_json_context(), **(context or {}), STAGE_CONTEXT_KEY: stage})
    add_stacks(app, stage)
    return app


def main() -> None:
    app = cdk.App(
        outdir=os.environ.get("CDK_OUTDIR", str(DEFAULT_OUTDIR)),
        context=cdk_json_context(),  # the CLI passes cdk.json and -c values, which take precedence
    )
    add_stacks(app, app.node.try_get_context(STAGE_CONTEXT_KEY) or DEFAULT_STAGE)
    app.synth()


if __name__ == "__main__":
    main()
