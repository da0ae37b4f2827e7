"""Every DynamoDB table, built from `shared.dal.tables.table_definitions()` so that the deployed tables,
the local cloud and the PynamoDB models can never disagree."""

from collections.abc import Iterable, Mapping, Sequence
from typing import Final

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from infra.stage_config import stage_config
from shared.constants import physical_name
from shared.dal.tables import IndexDefinition, KeyAttribute, TableDefinition, table_definitions

# Tables keep their fixed, stage-derived names (the functions derive them from KOTOBA_STAGE, shared/settings.py) and
# are retained when their stack is deleted or a table would be replaced, but not when the stack operation that
# created them rolls back: CloudFormation's RetainExceptOnCreate deletes those (new, empty) tables, so a deploy run
# again after a rollback does not find its names taken. See docs/data-model.md, "Table names".
TABLE_REMOVAL_POLICY: Final = cdk.RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE

_ATTRIBUTE_TYPES: Final = {
    "S": dynamodb.AttributeType.STRING,
    "N": dynamodb.AttributeType.NUMBER,
    "B": dynamodb.AttributeType.BINARY,
}


def construct_name(logical_name: str) -> str:
    """`learning_sessions` -> `LearningSessions`: readable construct ids and output names."""
    return "".join(part.capitalize() for part in logical_name.split("_"))


class KotobaTables(Construct):
    """The app's tables: on demand, PITR, AWS-managed encryption, retained on stack deletion (not on a rollback of
    their creation)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: str,
        definitions: Sequence[TableDefinition] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.definitions: Mapping[str, TableDefinition] = {
            definition.logical_name: definition for definition in definitions or table_definitions()
        }
        self.tables: Mapping[str, dynamodb.Table] = {
            logical: self._build_table(definition, stage) for logical, definition in self.definitions.items()
        }

    def table_arns(self, logical_names: Iterable[str] | None = None) -> list[str]:
        """The ARNs of these tables (all of them by default)."""
        names = self.tables.keys() if logical_names is None else logical_names
        return [self._table(name).table_arn for name in names]

    def arns_with_indexes(self, logical_names: Iterable[str]) -> list[str]:
        """Each table's ARN followed by the ARN of each of its indexes: a Query on an index is authorized
        against the index ARN, so listing them by name avoids an `index/*` wildcard."""
        arns: list[str] = []
        for name in logical_names:
            table_arn = self._table(name).table_arn
            arns.append(table_arn)
            arns.extend(f"{table_arn}/index/{index.name}" for index in self.definitions[name].indexes)
        return arns

    def stream_arn(self, logical_name: str) -> str:
        """The ARN of the table's stream (Fn::GetAtt StreamArn): what its stream consumers read, and nothing else."""
        stream_arn = self._table(logical_name).table_stream_arn
        if stream_arn is None:
            raise ValueError(f"table {logical_name!r} has no stream in table_definitions()")
        return stream_arn

    def _table(self, logical_name: str) -> dynamodb.Table:
        try:
            return self.tables[logical_name]
        except KeyError:
            raise KeyError(f"no table named {logical_name!r} in table_definitions()") from None

    def _build_table(self, definition: TableDefinition, stage: str) -> dynamodb.Table:
        table = dynamodb.Table(
            self,
            construct_name(definition.logical_name),
            table_name=physical_name(stage, definition.logical_name),
            partition_key=_attribute(definition.partition_key),
            sort_key=_attribute(definition.sort_key) if definition.sort_key else None,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute=definition.ttl_attribute,
            stream=dynamodb.StreamViewType(definition.stream_view_type) if definition.stream_view_type else None,
            deletion_protection=stage_config(stage).table_deletion_protection,
            removal_policy=TABLE_REMOVAL_POLICY,
        )
        for index in definition.indexes:
            _add_index(table, definition, index)
        return table


def _attribute(key: KeyAttribute) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=key.name, type=_ATTRIBUTE_TYPES[key.type])


def _add_index(table: dynamodb.Table, definition: TableDefinition, index: IndexDefinition) -> None:
    projection = dynamodb.ProjectionType(index.projection)
    included = list(index.included) if index.projection == "INCLUDE" else None
    if index.kind == "global":
        table.add_global_secondary_index(
            index_name=index.name,
            partition_key=_attribute(index.partition_key),
            sort_key=_attribute(index.sort_key) if index.sort_key else None,
            projection_type=projection,
            non_key_attributes=included,
        )
        return
    if index.partition_key != definition.partition_key or index.sort_key is None:
        raise ValueError(
            f"{definition.logical_name}.{index.name}: a local index shares the table's partition key "
            "and needs a sort key"
        )
    table.add_local_secondary_index(
        index_name=index.name,
        sort_key=_attribute(index.sort_key),
        projection_type=projection,
        non_key_attributes=included,
    )
