"""cdk-nag 3.x wiring: the AwsSolutions pack runs as a CDK validation plugin and fails synth on any finding.

Findings are acknowledged with CDK's own `Validations.of(scope).acknowledge(...)`, on the construct that
causes them, so an acknowledgement never hides the same finding elsewhere.
"""

import json

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct

AWS_SOLUTIONS_PREFIX = "AwsSolutions-"


def add_aws_solutions_checks(app: cdk.App) -> None:
    """Run the AwsSolutions rules on every stack at synth time."""
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))


def acknowledge(scope: IConstruct, finding: str, reason: str) -> None:
    """Accept one AwsSolutions finding (e.g. `"APIG4"`, `"IAM5[Resource::*]"`) on `scope` and its children."""
    cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=AWS_SOLUTIONS_PREFIX + finding, reason=reason))


def finding_resource(scope: IConstruct, value: str) -> str:
    """`value` (an ARN, often with tokens) spelled as cdk-nag spells it in a finding id such as
    `IAM5[Resource::<this>]`: a port of cdk-nag's `flattenCfnReference`."""
    return _flatten(cdk.Stack.of(scope).resolve(value))


def _flatten(node: object) -> str:
    match node:
        case str():
            return node.replace("${", "<").replace("}", ">")
        case {"Fn::Join": [str() as delimiter, list() as items]}:
            return delimiter.join(_flatten(item) for item in items)
        case {"Fn::Sub": body}:
            return _flatten(body)
        case {"Fn::GetAtt": [resource, attribute]}:
            return f"<{_flatten(resource)}.{_flatten(attribute)}>"
        case {"Fn::ImportValue": name}:
            return _flatten(name)
        case {"Ref": name}:
            return f"<{_flatten(name)}>"
    return json.dumps(node, separators=(",", ":"))
