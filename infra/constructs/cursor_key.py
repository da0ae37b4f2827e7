"""The list-cursor key: a generated secret that the API functions which page lists seal their cursors with
(shared/dal/pagination.py). Its value never appears in the template."""

from typing import Final

from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.constructs.lambda_function import KotobaFunction
from infra.nag import acknowledge
from shared.constants import cursor_key_secret_name
from shared.iam_policy import CURSOR_KEY_READ_ACTIONS

KEY_LENGTH: Final = 64  # random characters; the functions derive a 256-bit AES key from them


class CursorKey(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, stage: str) -> None:
        super().__init__(scope, construct_id)
        self.secret = secretsmanager.Secret(
            self,
            "Secret",
            secret_name=cursor_key_secret_name(stage),
            description="kotoba list-cursor key: seals the next_cursor of every paginated API list",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=KEY_LENGTH, exclude_punctuation=True
            ),
        )
        acknowledge(
            self.secret,
            "SMG4",
            "No scheduled rotation: the key only seals list positions that expire within a day, and replacing "
            "it (a new value in the secret) only sends clients paging at that moment back to the first page.",
        )

    def grant_read(self, function: KotobaFunction) -> None:
        """Read the cursor key: GetSecretValue on this one secret."""
        function.allow(CURSOR_KEY_READ_ACTIONS, [self.secret.secret_arn])
