"""The media bucket, its access-log bucket, and the work queues its uploads are announced on."""

import aws_cdk as cdk
from constructs import Construct

from infra.constructs.media_storage import MediaStorage
from infra.constructs.work_queues import WorkQueues
from shared.constants import Buckets, physical_name

MEDIA_BUCKET_OUTPUT = "MediaBucketName"
MEDIA_BUCKET_EXPORT = f"{Buckets.MEDIA}-bucket-name"  # logical; the export is physical_name(stage, this)


class StorageStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, stage: str, tags: dict[str, str]) -> None:
        super().__init__(scope, construct_id, description=f"kotoba {stage}: media storage and work queues", tags=tags)
        self.storage = MediaStorage(self, "Media")
        # Beside the bucket: the queue policies name the bucket and the bucket's notifications name the queues.
        self.work_queues = WorkQueues(self, "WorkQueues", stage=stage, media_bucket=self.storage.media_bucket)
        bucket_name = self.storage.media_bucket.bucket_name
        cdk.CfnOutput(self, MEDIA_BUCKET_OUTPUT, value=bucket_name)
        # An export with a stable name, imported by the API stack: its policies (and the cdk-nag findings
        # on them) then name the bucket by this export rather than by a generated one.
        self.media_bucket_name_import = self.export_value(bucket_name, name=physical_name(stage, MEDIA_BUCKET_EXPORT))
