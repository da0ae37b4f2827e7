"""The JWT keys: the private signing key in Secrets Manager, rotated by the jwt_key_rotation function, which
publishes the public keys in an SSM parameter that every API function verifies tokens with.

Neither value is in the template. The secret starts as a generated placeholder; the parameter is not a resource
of any stack at all: the rotation function is its one owner, creating it on the first rotation (PutParameter with
Overwrite) and rewriting it on every later one. Were CloudFormation to own it too, any change to its resource would
put back the template's value and drop the published keys, refusing every token until the next rotation. Secrets
Manager runs the first rotation as soon as the schedule is created; until it has published, the parameter does not
exist and the API functions verify no token (401, shared/dal/key_store.py).
"""

import json
from typing import Final

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.constructs.lambda_function import KotobaFunction, zip_package
from infra.constructs.shared_layer import SharedDependencyLayer
from infra.constructs.tables import construct_name
from infra.stage_config import stage_config
from shared.catalog import JWT_KEY_ROTATION, RotationFunction
from shared.constants import signing_key_secret_name, verification_keys_parameter_name
from shared.iam_policy import (
    PUBLISH_KEYS_ACTIONS,
    ROTATION_SECRET_ACTIONS,
    SIGNING_KEY_READ_ACTIONS,
    VERIFY_KEYS_ACTIONS,
)

# No "kid": shared/dal/key_store.py treats a version without one as "no key yet".
PLACEHOLDER_TEMPLATE: Final = json.dumps({"placeholder": "replaced by the first rotation"})
SECRETS_MANAGER: Final = "secretsmanager.amazonaws.com"


class JwtKeys(Construct):
    """Signing-key secret, verification-keys parameter, and the rotation function that keeps them in step."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: str,
        layer: SharedDependencyLayer,
        rotation: RotationFunction = JWT_KEY_ROTATION,
    ) -> None:
        super().__init__(scope, construct_id)
        self.signing_key = secretsmanager.Secret(
            self,
            "SigningKey",
            secret_name=signing_key_secret_name(stage),
            description="kotoba JWT signing key (ES256, P-256), written only by the jwt_key_rotation function",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=PLACEHOLDER_TEMPLATE, generate_string_key="nonce", exclude_punctuation=True
            ),
        )
        # Named, not created: the rotation function creates and rewrites it (see the module's docstring).
        self.verification_keys_parameter_name = verification_keys_parameter_name(stage)
        self.verification_keys_arn = cdk.Stack.of(self).format_arn(
            service="ssm",
            resource="parameter",
            resource_name=self.verification_keys_parameter_name.removeprefix("/"),
        )
        self.rotation = KotobaFunction(
            self,
            construct_name(rotation.name),
            name=rotation.name,
            description=f"kotoba {rotation.name}: rotates the JWT signing key every {rotation.rotate_every_days} days",
            role_description=f"{rotation.name}: the signing-key secret and the verification-keys parameter only",
            stage=stage,
            package=zip_package(rotation.name, layer),
            size=stage_config(stage).rotation_function,
        )
        self.rotation.allow(ROTATION_SECRET_ACTIONS, [self.signing_key.secret_arn])
        self.rotation.allow(PUBLISH_KEYS_ACTIONS, [self.verification_keys_arn])
        self.rotation.function.add_permission(
            "InvokedBySecretsManager",
            principal=iam.ServicePrincipal(SECRETS_MANAGER),
            source_account=cdk.Stack.of(self).account,
            source_arn=self.signing_key.secret_arn,  # this function rotates this secret and no other
        )
        self.rotation_schedule = self.signing_key.add_rotation_schedule(
            "RotationSchedule",
            # Given the function itself, CDK would add its own grants to the role, among them
            # secretsmanager:GetRandomPassword on "*", which this rotation never calls. Given a reference, it
            # adds nothing, and the exact grants and the invoke permission above are the only ones.
            rotation_lambda=lambda_.Function.from_function_attributes(
                self, "RotationFunctionReference", function_arn=self.rotation.function.function_arn
            ),
            automatically_after=cdk.Duration.days(rotation.rotate_every_days),
            rotate_immediately_on_update=True,  # the first rotation, at deploy, creates the real key
        )
        # That first rotation runs as soon as the schedule exists: the function's role, policy and invoke
        # permission must be in place by then. Its setSecret step creates the parameter.
        self.rotation_schedule.node.add_dependency(self.rotation)

    def grant_verify(self, function: KotobaFunction) -> None:
        """Read the public verification keys: GetParameter on this one parameter."""
        function.allow(VERIFY_KEYS_ACTIONS, [self.verification_keys_arn])

    def grant_sign(self, function: KotobaFunction) -> None:
        """Read the private signing key: GetSecretValue on this one secret."""
        function.allow(SIGNING_KEY_READ_ACTIONS, [self.signing_key.secret_arn])
