"""Entry point of the CDK app: `cdk synth -c stage=prod`, or `python -m infra.app` (stage dev, outdir cdk.out).

Feature flags live in cdk.json only; the app reads them from there too, so a plain `python -m infra.app`
and the tests synthesize exactly what the CDK CLI does.
"""

import json
import os
import re
from collections.abc import Mapping
from typing import Any, Final

import aws_cdk as cdk

from infra.layout import CDK_JSON, DEFAULT_OUTDIR
from infra.nag import add_aws_solutions_checks
from infra.stacks.api_stack import ApiStack
from infra.stacks.data_stack import DataStack
from infra.stacks.storage_stack import StorageStack
from shared.constants import APP_NAME, physical_name
from shared.settings import LOCAL_STAGE, Settings

STAGE_CONTEXT_KEY: Final = "stage"
DEFAULT_STAGE: Final = "dev"
SES_SENDER_CONTEXT_KEY: Final = "ses_sender"
DEFAULT_SES_SENDER: Final = "no-reply@kotoba.app"  # must be verified in SES (address or domain) before deploy
_EMAIL_ADDRESS: Final = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


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


def add_stacks(app: cdk.App, stage: str) -> None:
    """The three stacks of one stage, checked by cdk-nag's AwsSolutions pack at synth."""
    validate_stage(stage)
    ses_sender = validate_ses_sender(app.node.try_get_context(SES_SENDER_CONTEXT_KEY) or DEFAULT_SES_SENDER)
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
        ses_sender=ses_sender,
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
