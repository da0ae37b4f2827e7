"""One synthesized app for the whole infra suite: jsii start-up and a synth cost seconds, so build it once.

Bundling is skipped (`aws:cdk:bundling-stacks: []`): the layer is not pip-installed, everything else is real,
including the cdk-nag AwsSolutions checks, which make the synth itself fail on any unacknowledged finding. The SES
identity is a domain (`APP_CONTEXT`); tests of the other forms build apps of their own.
"""

import os

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import aws_cdk as cdk
import pytest
from aws_cdk import cx_api
from constructs import IConstruct

from infra.app import build_app
from infra.stacks.api_stack import ApiStack
from infra.stacks.data_stack import DataStack
from infra.stacks.storage_stack import StorageStack
from shared.constants import physical_name

STAGE = "dev"
PROD_STAGE = "prod"  # the suite's one other synth (`synthesized_prod`): what differs per stage (infra/stage_config.py)
SKIP_BUNDLING: dict[str, Any] = {"aws:cdk:bundling-stacks": []}
# The SES identity of the suite's app: a domain (Easy DKIM), the sender its default no-reply@ address.
SES_DOMAIN = "mail.example.org"
SES_SENDER = f"no-reply@{SES_DOMAIN}"
APP_CONTEXT: dict[str, Any] = {**SKIP_BUNDLING, "ses_domain": SES_DOMAIN}
# Prod's synth also names an address for the alarm topic (`-c alarm_email`); dev's names none.
ALARM_EMAIL = "ops@example.org"
PROD_CONTEXT: dict[str, Any] = {**APP_CONTEXT, "alarm_email": ALARM_EMAIL}

Template = dict[str, Any]


@dataclass(frozen=True)
class SynthesizedApp:
    app: cdk.App
    assembly: cx_api.CloudAssembly
    data: DataStack
    storage: StorageStack
    api: ApiStack

    @property
    def directory(self) -> Path:
        return Path(self.assembly.directory)

    def template(self, stack: cdk.Stack) -> Template:
        return cast(Template, self.assembly.get_stack_by_name(stack.stack_name).template)

    def validation_report(self) -> dict[str, Any]:
        return cast(dict[str, Any], json.loads((self.directory / "validation-report.json").read_text()))


def build_stacks(
    stage: str = STAGE, context: dict[str, Any] | None = None
) -> tuple[cdk.App, DataStack, StorageStack, ApiStack]:
    app = build_app(stage, APP_CONTEXT if context is None else context)
    return (
        app,
        cast(DataStack, app.node.find_child(physical_name(stage, "data"))),
        cast(StorageStack, app.node.find_child(physical_name(stage, "storage"))),
        cast(ApiStack, app.node.find_child(physical_name(stage, "api"))),
    )


@pytest.fixture(scope="session")
def synthesized() -> SynthesizedApp:
    app, data, storage, api = build_stacks()
    return SynthesizedApp(app=app, assembly=app.synth(), data=data, storage=storage, api=api)


@pytest.fixture(scope="session")
def synthesized_prod() -> SynthesizedApp:
    app, data, storage, api = build_stacks(PROD_STAGE, PROD_CONTEXT)
    return SynthesizedApp(app=app, assembly=app.synth(), data=data, storage=storage, api=api)


def logical_id(construct: IConstruct) -> str:
    """The CloudFormation logical id of an L2 construct's main resource."""
    resource = cast(cdk.CfnElement, construct.node.default_child)
    return cdk.Stack.of(construct).get_logical_id(resource)


def image_assets(synthesized: SynthesizedApp) -> dict[str, tuple[str, dict[str, Any]]]:
    """Dockerfile (relative to the repository root) -> (asset hash, source) of each container image of the API stack."""
    manifest = json.loads((synthesized.directory / f"{synthesized.api.stack_name}.assets.json").read_text())
    return {
        asset["source"]["dockerFile"]: (asset_hash, asset["source"])
        for asset_hash, asset in manifest["dockerImages"].items()
    }


def resources_of_type(template: Template, resource_type: str) -> dict[str, dict[str, Any]]:
    return {lid: r for lid, r in template["Resources"].items() if r["Type"] == resource_type}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def table_exports(synthesized: SynthesizedApp, attribute: str) -> dict[str, str]:
    """Export name of each table attribute (`Arn`, `StreamArn`) exported by the data stack -> logical table name."""
    template = synthesized.template(synthesized.data)
    logical_by_id = {
        lid: table["Properties"]["TableName"].removeprefix(physical_name(STAGE, ""))
        for lid, table in resources_of_type(template, "AWS::DynamoDB::Table").items()
    }
    return {
        output["Export"]["Name"]: logical_by_id[output["Value"]["Fn::GetAtt"][0]]
        for output in template["Outputs"].values()
        if "Export" in output and output["Value"].get("Fn::GetAtt", [None, None])[1] == attribute
    }
