"""The learner's data export: one JSON document with the profile and every item the account owns.

It is written to the media bucket under exports/<user id>/ (a lifecycle rule deletes them after 7 days)
and handed out as a short-lived presigned link, so the document's size is not bound by the API's 6 MB response
limit. Each section is one paginated Query of the learner's own partition.
"""

import json
from datetime import datetime

from shared.constants import MediaPrefixes
from shared.dal import export_repository, media_storage
from shared.dal.base import new_id
from shared.observability import metrics
from shared.schemas.export import DataExport
from shared.services.auth import Principal

EXPORT_FORMAT = 1  # bumped when the document's shape changes


def export_user_data(principal: Principal, now: datetime) -> DataExport:
    user = principal.user
    records = export_repository.user_records(user.id)
    document = {
        "format": EXPORT_FORMAT,
        "exported_at": now.isoformat(),
        "profile": user.model_dump(mode="json"),
        **records,
    }
    body = json.dumps(document, ensure_ascii=False, indent=1).encode()
    key = f"{MediaPrefixes.EXPORTS}{user.id}/{now:%Y%m%dT%H%M%SZ}-{new_id()}.json"
    media_storage.put_object(key, body, "application/json")
    metrics.add_metric(name="DataExported", unit="Bytes", value=len(body))
    return DataExport(
        url=media_storage.presigned_download(key),
        expires_at=now + media_storage.DOWNLOAD_LIFETIME,
        size_bytes=len(body),
        counts={name: len(items) for name, items in records.items()},
    )
