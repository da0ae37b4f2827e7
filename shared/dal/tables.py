"""The one source of truth for tables: the PynamoDB models themselves.

`table_definitions()` reads each model's key schema, indexes, TTL and stream settings; CDK builds the
deployed tables from it, the local cloud creates its tables from it, and the tests assert both agree.
"""

from dataclasses import dataclass
from typing import Any, Literal

from pynamodb.attributes import TTLAttribute
from pynamodb.models import Model

from shared.dal.analytics import AnalyticsItem
from shared.dal.audit import AdminAuditItem
from shared.dal.auth import ActionTokenItem, AuthSessionItem, RateLimitItem
from shared.dal.content import SentenceItem, VocabularyWordItem
from shared.dal.gamification import AchievementItem, StudyStreakItem, UserAchievementItem
from shared.dal.idempotency import IdempotencyItem
from shared.dal.jobs import BackgroundJobItem
from shared.dal.media import AudioRecordItem, OCRRecordItem
from shared.dal.progress import ProgressItem
from shared.dal.reviews import DailyStatsItem, ReviewLogItem
from shared.dal.sessions import LearningSessionItem
from shared.dal.users import UniqueKeyItem, UserItem
from shared.settings import Settings

KeyType = Literal["S", "N", "B"]

TABLE_MODELS: tuple[type[Model], ...] = (
    UserItem,
    UniqueKeyItem,
    SentenceItem,
    VocabularyWordItem,
    ProgressItem,
    LearningSessionItem,
    AudioRecordItem,
    OCRRecordItem,
    StudyStreakItem,
    AchievementItem,
    UserAchievementItem,
    BackgroundJobItem,
    IdempotencyItem,
    AuthSessionItem,
    ActionTokenItem,
    RateLimitItem,
    ReviewLogItem,
    DailyStatsItem,
    AdminAuditItem,
    AnalyticsItem,
)

_LOGICAL_NAMES: dict[type[Model], str] = {model: model.Meta.table_name for model in TABLE_MODELS}


@dataclass(frozen=True)
class KeyAttribute:
    name: str
    type: KeyType


@dataclass(frozen=True)
class IndexDefinition:
    name: str
    kind: Literal["global", "local"]
    partition_key: KeyAttribute
    sort_key: KeyAttribute | None
    projection: Literal["ALL", "KEYS_ONLY", "INCLUDE"]
    included: tuple[str, ...] = ()  # the non-key attributes an INCLUDE projection copies

    def projection_request(self) -> dict[str, Any]:
        if self.projection == "INCLUDE":
            return {"ProjectionType": "INCLUDE", "NonKeyAttributes": list(self.included)}
        return {"ProjectionType": self.projection}


@dataclass(frozen=True)
class TableDefinition:
    logical_name: str
    partition_key: KeyAttribute
    sort_key: KeyAttribute | None
    indexes: tuple[IndexDefinition, ...]
    ttl_attribute: str | None
    stream_view_type: str | None

    def create_table_request(self, table_name: str) -> dict[str, Any]:
        """The boto3 `create_table` arguments for this table (on-demand billing)."""
        attributes = {self.partition_key, *([self.sort_key] if self.sort_key else [])}
        for index in self.indexes:
            attributes |= {index.partition_key, *([index.sort_key] if index.sort_key else [])}
        request: dict[str, Any] = {
            "TableName": table_name,
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [
                {"AttributeName": a.name, "AttributeType": a.type} for a in sorted(attributes, key=str)
            ],
            "KeySchema": _key_schema(self.partition_key, self.sort_key),
        }
        for kind, field in (("global", "GlobalSecondaryIndexes"), ("local", "LocalSecondaryIndexes")):
            indexes = [
                {
                    "IndexName": index.name,
                    "KeySchema": _key_schema(index.partition_key, index.sort_key),
                    "Projection": index.projection_request(),
                }
                for index in self.indexes
                if index.kind == kind
            ]
            if indexes:
                request[field] = indexes
        if self.stream_view_type:
            request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": self.stream_view_type}
        return request


def _key_schema(partition: KeyAttribute, sort: KeyAttribute | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": partition.name, "KeyType": "HASH"}]
    if sort:
        schema.append({"AttributeName": sort.name, "KeyType": "RANGE"})
    return schema


def _keys(key_schema: list[dict[str, str]], types: dict[str, KeyType]) -> tuple[KeyAttribute, KeyAttribute | None]:
    by_role = {k["KeyType"]: KeyAttribute(k["AttributeName"], types[k["AttributeName"]]) for k in key_schema}
    return by_role["HASH"], by_role.get("RANGE")


def table_definition(model: type[Model]) -> TableDefinition:
    schema: Any = model._get_schema()  # a TypedDict in PynamoDB, read here as plain data
    types: dict[str, KeyType] = {a["AttributeName"]: a["AttributeType"] for a in schema["attribute_definitions"]}
    partition, sort = _keys(schema["key_schema"], types)
    indexes = []
    for kind, field in (("global", "global_secondary_indexes"), ("local", "local_secondary_indexes")):
        for index in schema.get(field, []):
            for attr in index.get("attribute_definitions", []):
                types[attr["AttributeName"]] = attr["AttributeType"]
            index_partition, index_sort = _keys(index["key_schema"], types)
            indexes.append(
                IndexDefinition(
                    name=index["index_name"],
                    kind=kind,  # type: ignore[arg-type]
                    partition_key=index_partition,
                    sort_key=index_sort,
                    projection=index["projection"]["ProjectionType"],
                    included=tuple(index["projection"].get("NonKeyAttributes", ())),
                )
            )
    ttl = [name for name, attr in model.get_attributes().items() if isinstance(attr, TTLAttribute)]
    return TableDefinition(
        logical_name=_LOGICAL_NAMES[model],
        partition_key=partition,
        sort_key=sort,
        indexes=tuple(indexes),
        ttl_attribute=ttl[0] if ttl else None,
        stream_view_type=getattr(model.Meta, "stream_view_type", None),
    )


def table_definitions() -> tuple[TableDefinition, ...]:
    return tuple(table_definition(model) for model in TABLE_MODELS)


def logical_name(model: type[Model]) -> str:
    return _LOGICAL_NAMES[model]


def bind_tables(settings: Settings) -> None:
    """Point every model at its deployed table for this stage and region. Runs once at cold start."""
    for model, logical in _LOGICAL_NAMES.items():
        model.Meta.table_name = settings.table_name(logical)
        model.Meta.region = settings.region
        model._connection = None  # PynamoDB caches the connection with the old table name
