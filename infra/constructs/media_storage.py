"""The media bucket (uploads, TTS audio, exports, the review archive) and the bucket of its server access logs."""

from collections.abc import Sequence
from typing import Final

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.nag import acknowledge
from shared.constants import MediaPrefixes

TTS_CACHE_EXPIRY: Final = cdk.Duration.days(90)
EXPORTS_EXPIRY: Final = cdk.Duration.days(7)
INCOMPLETE_UPLOAD_EXPIRY: Final = cdk.Duration.days(1)
NONCURRENT_VERSION_EXPIRY: Final = cdk.Duration.days(30)
# The review archive (shared/dal/review_archive.py): a learner-month's object is rewritten while that month's reviews
# expire (about a month), then left alone. Moved to Glacier Instant Retrieval ($0.004 rather than $0.023 per
# GB-month, millisecond reads) once untouched that long, so that no rewrite pays its 90-day minimum; S3 moves only
# objects of 128 KB or more (its default minimum size), the ones that class does not bill as larger than they are.
# The versions a rewrite leaves behind go after a day.
REVIEW_ARCHIVE_TRANSITION: Final = cdk.Duration.days(30)
REVIEW_ARCHIVE_NONCURRENT_EXPIRY: Final = cdk.Duration.days(1)
ACCESS_LOGS_PREFIX: Final = "media/"
# CDK attaches this AWS-managed policy to the role of its bucket-notifications custom resource, always.
LAMBDA_BASIC_EXECUTION_POLICY: Final = "service-role/AWSLambdaBasicExecutionRole"


def _private_bucket(
    scope: Construct,
    construct_id: str,
    *,
    versioned: bool = False,
    access_logs: s3.IBucket | None = None,
    lifecycle_rules: Sequence[s3.LifecycleRule] = (),
    notifications_role: iam.IRole | None = None,
) -> s3.Bucket:
    """A bucket that only IAM principals over TLS reach: public access blocked, ACLs disabled, SSE-S3.

    SSE-S3 rather than a KMS key: every reader of these buckets (presigned URLs from the app, S3 log
    delivery) then works without key grants, and nothing here needs per-key audit or revocation.
    """
    return s3.Bucket(
        scope,
        construct_id,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        encryption=s3.BucketEncryption.S3_MANAGED,
        enforce_ssl=True,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        removal_policy=cdk.RemovalPolicy.RETAIN,
        versioned=versioned,
        server_access_logs_bucket=access_logs,
        server_access_logs_prefix=ACCESS_LOGS_PREFIX if access_logs else None,
        lifecycle_rules=list(lifecycle_rules),
        notifications_handler_role=notifications_role,
    )


class MediaStorage(Construct):
    """Media bucket with versioning, lifecycle rules per key prefix and access logs in a second bucket."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.access_logs_bucket = _private_bucket(self, "AccessLogsBucket")
        acknowledge(
            self.access_logs_bucket,
            "S1",
            "This bucket is the access-log target of the media bucket; logging it too would need yet another "
            "log bucket with the same finding, and S3 cannot log a bucket into itself without a loop.",
        )
        # Event notifications (work_queues.py) are written by CDK's BucketNotifications custom resource, a
        # Lambda in this stack. Its role is made here so that it is named, described and acknowledged here.
        self.notifications_role = iam.Role(
            self,
            "NotificationsHandlerRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="CDK's bucket-notifications custom resource: sets the media bucket's event notifications",
        )
        acknowledge(
            self.notifications_role,
            f"IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/{LAMBDA_BASIC_EXECUTION_POLICY}]",
            "CDK's bucket-notifications custom resource attaches AWSLambdaBasicExecutionRole to its role with no "
            "option to leave it out; that policy grants nothing but CloudWatch Logs writes (CreateLogGroup, "
            "CreateLogStream, PutLogEvents) for the handler's own logs.",
        )
        self.media_bucket = _private_bucket(
            self,
            "MediaBucket",
            versioned=True,
            access_logs=self.access_logs_bucket,
            lifecycle_rules=[
                s3.LifecycleRule(id="expire-tts-cache", prefix=MediaPrefixes.TTS_CACHE, expiration=TTS_CACHE_EXPIRY),
                s3.LifecycleRule(id="expire-exports", prefix=MediaPrefixes.EXPORTS, expiration=EXPORTS_EXPIRY),
                s3.LifecycleRule(
                    id="archive-reviews",
                    prefix=MediaPrefixes.REVIEW_ARCHIVE,
                    transitions=[
                        s3.Transition(
                            storage_class=s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
                            transition_after=REVIEW_ARCHIVE_TRANSITION,
                        )
                    ],
                    noncurrent_version_expiration=REVIEW_ARCHIVE_NONCURRENT_EXPIRY,
                ),
                s3.LifecycleRule(
                    id="abort-incomplete-uploads",
                    abort_incomplete_multipart_upload_after=INCOMPLETE_UPLOAD_EXPIRY,
                ),
                s3.LifecycleRule(
                    id="expire-noncurrent-versions",
                    noncurrent_version_expiration=NONCURRENT_VERSION_EXPIRY,
                    expired_object_delete_marker=True,
                ),
            ],
            notifications_role=self.notifications_role,
        )
