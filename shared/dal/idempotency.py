"""The shape of the table that Powertools' idempotency utility writes; declared here so that it is created
from the same definitions as every other table. Beside Powertools' records it holds the review aggregator's
markers (`review-counted#<digest of user and review>`: shared.dal.content_repository.add_counts_once), which expire
like them."""

from pynamodb.attributes import TTLAttribute, UnicodeAttribute
from pynamodb.models import Model

from shared.dal.base import TableMeta


class IdempotencyItem(Model):
    class Meta(TableMeta):
        table_name = "idempotency"

    id = UnicodeAttribute(hash_key=True)
    expiration = TTLAttribute(null=True)
