"""Generated keys: a secret holding a random string that functions derive a 256-bit key from, its value never in
the template. Two of them: the list-cursor key (shared/dal/pagination.py seals cursors with it) and the link key
(shared/services/reminders.py signs the unsubscribe links of study reminders with it)."""

from typing import Final

from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.constructs.lambda_function import KotobaFunction
from infra.nag import acknowledge
from shared.iam_policy import GENERATED_KEY_READ_ACTIONS

KEY_LENGTH: Final = 64  # random characters; the functions derive a 256-bit key from them


class GeneratedKey(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, secret_name: str, description: str, no_rotation_reason: str
    ) -> None:
        super().__init__(scope, construct_id)
        self.secret = secretsmanager.Secret(
            self,
            "Secret",
            secret_name=secret_name,
            description=description,
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=KEY_LENGTH, exclude_punctuation=True
            ),
        )
        acknowledge(self.secret, "SMG4", f"No scheduled rotation: {no_rotation_reason}")

    def grant_read(self, function: KotobaFunction) -> None:
        """Read the key: GetSecretValue on this one secret."""
        function.allow(GENERATED_KEY_READ_ACTIONS, [self.secret.secret_arn])
