"""Every function's role in the synthesized dev template holds exactly the statements that `shared.iam_policy` renders
for the dev stage: what the local cloud's gate enforces (localcloud/iam) is what deploys.

The template names resources with CloudFormation expressions; each is resolved to the ARN the model uses for it: a
table's exported ARN to the table of that name, an exported stream ARN to the table's stream, a secret to its name
with Secrets Manager's random suffix, a dead-letter queue to its name, a function's log group to that function's.
"""

import json
from typing import Any

import pytest

from shared.iam_policy import ConditionBlock, MailSender, StageArns, Statement, role_statements
from tests.infra.conftest import (
    SES_SENDER,
    STAGE,
    SynthesizedApp,
    Template,
    as_list,
    logical_id,
    resources_of_type,
    table_exports,
)

pytestmark = pytest.mark.slow

# What the template leaves to the account it is deployed in.
ACCOUNT = "111122223333"
REGION = "eu-west-1"
PARTITION = "aws"
MEDIA_BUCKET = "kotoba-dev-storage-mediabucket-1a2b3c"  # CloudFormation's name for the storage stack's bucket

FUNCTION_NAMES = sorted(role_statements(StageArns(STAGE, ACCOUNT, REGION, MEDIA_BUCKET, MailSender(SES_SENDER))))

# (action, resource ARN pattern, condition block as JSON): the unit IAM evaluates, whichever statement holds it.
Grant = tuple[str, str, str]


class TemplateArns:
    """Resolves the resource expressions of the API stack's policies to the ARNs they stand for."""

    def __init__(self, synthesized: SynthesizedApp, arns: StageArns) -> None:
        self._arns = arns
        self._template = synthesized.template(synthesized.api)
        self._imports: dict[str, str] = {
            **{name: arns.table(table) for name, table in table_exports(synthesized, "Arn").items()},
            **{name: arns.stream(table) for name, table in table_exports(synthesized, "StreamArn").items()},
            synthesized.api.resolve(synthesized.storage.media_bucket_name_import)["Fn::ImportValue"]: MEDIA_BUCKET,
        }
        self._log_group_owners = {logical_id(f.log_group): f.name for f in synthesized.api.functions}
        self._pseudo = {"AWS::Partition": PARTITION, "AWS::Region": REGION, "AWS::AccountId": ACCOUNT}

    def resolve(self, value: Any) -> str:
        if isinstance(value, str):
            return value
        if "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return str(separator).join(self.resolve(part) for part in parts)
        if "Fn::ImportValue" in value:
            return self._imports[value["Fn::ImportValue"]]
        if "Ref" in value:
            return self._ref(value["Ref"])
        if "Fn::GetAtt" in value and value["Fn::GetAtt"][1] == "Arn":
            return self._arn_of(value["Fn::GetAtt"][0])
        raise AssertionError(f"no ARN known for {value}")

    def _ref(self, name: str) -> str:
        if name in self._pseudo:
            return self._pseudo[name]
        resource = self._template["Resources"][name]
        if resource["Type"] == "AWS::SecretsManager::Secret":
            return self._arns.secret(resource["Properties"]["Name"])
        if resource["Type"] == "AWS::SES::EmailIdentity":  # Ref: the identity itself, a domain or an address
            return str(resource["Properties"]["EmailIdentity"])
        raise AssertionError(f"no ARN known for a Ref to {resource['Type']}")

    def _arn_of(self, resource_id: str) -> str:
        resource = self._template["Resources"][resource_id]
        if resource["Type"] == "AWS::SQS::Queue":
            return self._arns.queue(resource["Properties"]["QueueName"])
        if resource["Type"] == "AWS::Logs::LogGroup":
            return self._arns.log_group(self._log_group_owners[resource_id])
        raise AssertionError(f"no ARN known for {resource['Type']}")


def _condition_json(condition: ConditionBlock, resolve: Any = str) -> str:
    """One spelling of a condition block: each key's values as a sorted list."""
    return json.dumps(
        {
            operator: {key: sorted(resolve(value) for value in as_list(values)) for key, values in keys.items()}
            for operator, keys in condition.items()
        },
        sort_keys=True,
    )


def _model_grants(statements: tuple[Statement, ...]) -> set[Grant]:
    return {
        (action, resource, _condition_json(statement.condition))
        for statement in statements
        for action in statement.actions
        for resource in statement.resources
    }


def _template_grants(template: Template, role_id: str, arns: TemplateArns) -> set[Grant]:
    return {
        (action, arns.resolve(resource), _condition_json(statement.get("Condition", {}), arns.resolve))
        for policy in resources_of_type(template, "AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Effect"] == "Allow"
        for action in as_list(statement["Action"])
        for resource in as_list(statement["Resource"])
    }


@pytest.fixture(scope="module")
def dev_arns(synthesized: SynthesizedApp) -> StageArns:
    return StageArns(
        stage=STAGE,
        account=ACCOUNT,
        region=REGION,
        partition=PARTITION,
        media_bucket=MEDIA_BUCKET,
        mail=synthesized.api.email.settings,
    )


@pytest.fixture(scope="module")
def template_arns(synthesized: SynthesizedApp, dev_arns: StageArns) -> TemplateArns:
    return TemplateArns(synthesized, dev_arns)


def test_the_model_has_a_role_for_exactly_the_deployed_functions(
    synthesized: SynthesizedApp, dev_arns: StageArns
) -> None:
    # When the IAM model's roles are listed, Then there is one for each deployed function, and no other
    assert sorted(role_statements(dev_arns)) == sorted(function.name for function in synthesized.api.functions)


def test_no_deployed_role_has_a_deny_statement(synthesized: SynthesizedApp) -> None:
    """The model, and the local gate, know Allow statements only: a Deny in a role would go unenforced locally."""
    # When the effects of every statement on a function role are listed
    template = synthesized.template(synthesized.api)
    roles = {logical_id(function.role) for function in synthesized.api.functions}

    effects = {
        statement["Effect"]
        for policy in resources_of_type(template, "AWS::IAM::Policy").values()
        if {role["Ref"] for role in policy["Properties"]["Roles"]} & roles
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    }

    # Then they are all Allow
    assert effects == {"Allow"}


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_each_role_holds_exactly_the_model_statements_of_its_stage(
    synthesized: SynthesizedApp, dev_arns: StageArns, template_arns: TemplateArns, name: str
) -> None:
    # Given the function's deployed grants
    (function,) = [f for f in synthesized.api.functions if f.name == name]
    deployed = _template_grants(synthesized.template(synthesized.api), logical_id(function.role), template_arns)

    # When the IAM model's grants for it on the stage are built
    modelled = _model_grants(role_statements(dev_arns)[name])

    # Then they are the same, neither holding a grant the other lacks
    assert deployed - modelled == set(), f"{name}: deployed but not in shared/iam_policy.py"
    assert modelled - deployed == set(), f"{name}: in shared/iam_policy.py but not deployed"
