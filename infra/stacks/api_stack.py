"""The shared layer, one function per catalog entry, and the REST API in front of them."""

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.constructs.api_function import ApiHandler
from infra.constructs.rest_api import KotobaRestApi
from infra.constructs.shared_layer import SharedDependencyLayer
from infra.constructs.tables import KotobaTables, construct_name
from shared.catalog import API_FUNCTIONS

API_URL_OUTPUT = "ApiUrl"


class ApiStack(cdk.Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: str,
        tags: dict[str, str],
        tables: KotobaTables,
        media_bucket_name: str,
    ) -> None:
        super().__init__(scope, construct_id, description=f"kotoba {stage}: API functions and REST API", tags=tags)
        media_bucket = s3.Bucket.from_bucket_name(self, "MediaBucket", media_bucket_name)
        self.shared_layer = SharedDependencyLayer(self, "SharedLayer")
        self.handlers = [
            ApiHandler(
                self,
                construct_name(entry.name),
                entry=entry,
                stage=stage,
                layer=self.shared_layer.layer,
                tables=tables,
                media_bucket=media_bucket,
            )
            for entry in API_FUNCTIONS
        ]
        self.api = KotobaRestApi(self, "Api", stage=stage, handlers=self.handlers)
        cdk.CfnOutput(self, API_URL_OUTPUT, value=self.api.rest_api.url)
