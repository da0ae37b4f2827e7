"""API functions: every entry of `shared.catalog.API_FUNCTIONS` becomes an `ApiHandler`, a `KotobaFunction`
whose role grants exactly what its entry lists (tables, media prefixes, token keys, e-mail, speech synthesis)."""

from typing import Final

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.constructs.email_identity import EmailIdentities
from infra.constructs.generated_key import GeneratedKey
from infra.constructs.jwt_keys import JwtKeys
from infra.constructs.lambda_function import KotobaFunction, zip_package
from infra.constructs.shared_layer import SharedDependencyLayer
from infra.constructs.tables import KotobaTables
from infra.nag import acknowledge
from infra.stage_config import stage_config
from shared.catalog import ApiFunction
from shared.constants import Env
from shared.iam_policy import (
    LIST_BUCKET_ACTIONS,
    MEDIA_READ_ACTIONS,
    POLLY_ACTIONS,
    list_bucket_condition,
    requested_region_condition,
)

TTS_ENGINE: Final = "polly"  # shared.settings.Settings.tts_engine: Polly in AWS, Open JTalk offline
# The alias API Gateway invokes: the version published by the latest deploy, which SnapStart has a snapshot of
# (SnapStart applies to published versions only, never to $LATEST).
LIVE_ALIAS: Final = "live"


class ApiHandler(KotobaFunction):
    """One API function: its catalog entry's routes are served by it, and its role follows the entry."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        entry: ApiFunction,
        stage: str,
        layer: SharedDependencyLayer,
        tables: KotobaTables,
        media_bucket: s3.IBucket,
        jwt_keys: JwtKeys,
        cursor_key: GeneratedKey,
        link_key: GeneratedKey,
        email: EmailIdentities,
    ) -> None:
        environment = {Env.MEDIA_BUCKET: media_bucket.bucket_name}
        if entry.sends_email:
            environment[Env.SES_SENDER] = email.settings.sender
        if entry.synthesizes_speech:
            environment[Env.TTS_ENGINE] = TTS_ENGINE
        if entry.serves_docs:
            environment[Env.API_DOCS] = "true" if stage_config(stage).api_docs else "false"
        super().__init__(
            scope,
            construct_id,
            name=entry.name,
            description=f"kotoba {entry.name}: {', '.join(entry.route_prefixes)}",
            role_description=f"{entry.name}: the tables, media prefixes and keys listed in shared/catalog.py",
            stage=stage,
            size=stage_config(stage).api_function,
            package=zip_package(entry.name, layer),
            environment=environment,
            snap_start=True,
        )
        self.entry = entry
        self.grant_tables(tables, reads=entry.reads, writes=entry.writes)
        if entry.describes_all_tables:
            self.allow(("dynamodb:DescribeTable",), tables.table_arns())
        self._grant_media(media_bucket)
        jwt_keys.grant_verify(self)  # every API function verifies access tokens
        if entry.signs_tokens:
            jwt_keys.grant_sign(self)
        if entry.pages_lists:
            cursor_key.grant_read(self)
        if entry.signs_links:
            link_key.grant_read(self)
        if entry.sends_email:
            email.grant_send(self)
        self.speech_synthesis_policy = self._grant_speech_synthesis() if entry.synthesizes_speech else None
        # A new version whenever the function's configuration or code changes (`current_version`), and the alias
        # moved to it: what API Gateway integrates with and is allowed to invoke.
        self.version = self.function.current_version
        self.alias = lambda_.Alias(self, "LiveAlias", alias_name=LIVE_ALIAS, version=self.version)

    def _grant_media(self, bucket: s3.IBucket) -> None:
        # Without ListBucket, S3 answers HeadObject on a missing key with 403, not 404. The s3:prefix condition keeps
        # listing to the prefixes whose keys the function asks about.
        self.grant_media(bucket, self.entry.media)
        self.grant_media(bucket, self.entry.reads_media, actions=MEDIA_READ_ACTIONS)
        if listed := (*self.entry.checks_objects_under, *self.entry.reads_media):
            self.allow(LIST_BUCKET_ACTIONS, [bucket.bucket_arn], conditions=list_bucket_condition(listed))
        if self.entry.describes_all_tables:
            # HeadBucket, which the health check calls, carries no prefix: an unconditioned ListBucket on the bucket.
            self.allow(LIST_BUCKET_ACTIONS, [bucket.bucket_arn])

    def _grant_speech_synthesis(self) -> iam.Policy:
        """SynthesizeSpeech in this stack's region, in a policy of its own so that its acknowledgement covers it alone
        (the role's `*` acknowledgement is about X-Ray)."""
        policy = iam.Policy(
            self,
            "SpeechSynthesisPolicy",
            roles=[self.role],
            statements=[
                iam.PolicyStatement(
                    actions=list(POLLY_ACTIONS),
                    resources=["*"],
                    conditions=requested_region_condition(cdk.Aws.REGION),
                )
            ],
        )
        self.function.node.add_dependency(policy)  # no cold start without it, even during the first deploy
        acknowledge(
            policy,
            "IAM5[Resource::*]",
            "Amazon Polly's only resource type is a pronunciation lexicon, and this function uses none: voices "
            "have no ARN, and AWS documents SynthesizeSpeech with Resource '*'. The only action is "
            "polly:SynthesizeSpeech, limited to this stack's region by aws:RequestedRegion.",
        )
        return policy
