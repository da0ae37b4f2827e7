"""The administrators' audit log: one item per action on an account or a sentence."""

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute

from shared.dal.base import TableMeta, TimestampedModel


class AdminAuditItem(TimestampedModel):
    """One administrator's action on an account or a sentence: who did what to which, and when. Written in the
    transaction of the action itself, so there is no action without its entry and no entry without its action."""

    class Meta(TableMeta):
        table_name = "admin_audit"

    target_id = UnicodeAttribute(hash_key=True)  # the account or sentence acted on (ids are UUIDs: never both)
    entry_key = UnicodeAttribute(range_key=True)  # <ISO time>#<id>: a target's entries in time order
    actor_id = UnicodeAttribute()
    action = UnicodeAttribute()  # e.g. "deactivate", "reactivate", "make_admin", "remove_admin"
    at = UTCDateTimeAttribute()
