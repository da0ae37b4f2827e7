"""Tables only: retained (except when their creation rolls back), and deployed before anything that reads them."""

import aws_cdk as cdk
from constructs import Construct

from infra.constructs.tables import KotobaTables, construct_name


class DataStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, stage: str, tags: dict[str, str]) -> None:
        super().__init__(scope, construct_id, description=f"kotoba {stage}: DynamoDB tables", tags=tags)
        self.tables = KotobaTables(self, "Tables", stage=stage)
        for logical_name, table in self.tables.tables.items():
            cdk.CfnOutput(self, f"{construct_name(logical_name)}TableName", value=table.table_name)
