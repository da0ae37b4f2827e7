"""cdk-nag 3.x wiring: the AwsSolutions pack runs as a CDK validation plugin and fails synth on any finding.

Findings are acknowledged with CDK's own `Validations.of(scope).acknowledge(...)`, on the construct that
causes them, so an acknowledgement never hides the same finding elsewhere.
"""

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
