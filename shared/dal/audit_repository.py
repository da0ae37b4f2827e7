"""Writing an administrator's action into the transaction that performs it, and reading a target's entries."""

from dataclasses import dataclass
from datetime import datetime

from pynamodb.transactions import TransactWrite

from shared.dal.audit import AdminAuditItem
from shared.dal.base import new_id
from shared.dal.pagination import collect_page, cursor_scope, decode_cursor
from shared.observability import tracer
from shared.schemas.admin import AuditAction, AuditEntry
from shared.schemas.common import Page


@dataclass(frozen=True)
class AdminAction:
    actor_id: str
    action: AuditAction


def record(transaction: TransactWrite, target_id: str, done: AdminAction, now: datetime) -> None:
    """Add the entry of `done` on `target_id` to the transaction of the action itself."""
    entry = AdminAuditItem(
        target_id=target_id,
        entry_key=f"{now.isoformat()}#{new_id()}",
        actor_id=done.actor_id,
        action=done.action,
        at=now,
        created_at=now,
        updated_at=now,
    )
    transaction.save(entry, condition=AdminAuditItem.entry_key.does_not_exist())


@tracer.capture_method
def entries(target_id: str, reader: str, limit: int, cursor: str | None) -> Page[AuditEntry]:
    """What administrators did to one account or sentence, newest first; the cursor is the reading admin's."""
    scope = cursor_scope("admin.audit", reader, target_id)
    results = AdminAuditItem.query(
        target_id, scan_index_forward=False, limit=limit, last_evaluated_key=decode_cursor(cursor, scope)
    )
    page = collect_page(results, limit, scope)
    return Page[AuditEntry](
        items=[AuditEntry(actor_id=e.actor_id, action=e.action, at=e.at) for e in page.items],
        next_cursor=page.next_cursor,
    )
