"""The review aggregator's markers, one per review counted (`review-counted#<digest of user and review>`:
shared.dal.content_repository.add_counts_once), which expire by themselves. The table keeps the shape of Powertools'
idempotency records (`id`, `expiration`), which nothing writes today."""

from pynamodb.attributes import TTLAttribute, UnicodeAttribute
from pynamodb.models import Model

from shared.dal.base import TableMeta


class IdempotencyItem(Model):
    class Meta(TableMeta):
        table_name = "idempotency"

    id = UnicodeAttribute(hash_key=True)
    expiration = TTLAttribute(null=True)
