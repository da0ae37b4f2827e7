"""Keeps the local cloud's data between runs: tables and objects saved on exit, restored at start.

A developer convenience, not a backup tool: it reads whole tables, which no request path ever does.
"""

import json
from pathlib import Path
from typing import Any

import boto3

from localcloud.emulator import LOCAL_REGION
from shared.dal.tables import table_definitions
from shared.settings import Settings

TABLES_FILE = "tables.json"
OBJECTS_DIR = "objects"
BATCH_WRITE_LIMIT = 25


def save(settings: Settings, directory: Path) -> None:
    dynamodb = boto3.client("dynamodb", region_name=LOCAL_REGION)
    tables: dict[str, list[dict[str, Any]]] = {}
    for definition in table_definitions():
        pages = dynamodb.get_paginator("scan").paginate(TableName=settings.table_name(definition.logical_name))
        tables[definition.logical_name] = [item for page in pages for item in page["Items"]]
    directory.mkdir(parents=True, exist_ok=True)
    (directory / TABLES_FILE).write_text(json.dumps(tables))

    s3 = boto3.client("s3", region_name=LOCAL_REGION)
    bucket = settings.media_bucket_name()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for entry in page.get("Contents", []):
            target = directory / OBJECTS_DIR / entry["Key"]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(s3.get_object(Bucket=bucket, Key=entry["Key"])["Body"].read())


def restore(settings: Settings, directory: Path) -> bool:
    """Load a saved snapshot into freshly created tables and bucket; False when there is none."""
    tables_file = directory / TABLES_FILE
    if not tables_file.exists():
        return False
    dynamodb = boto3.client("dynamodb", region_name=LOCAL_REGION)
    for logical_name, items in json.loads(tables_file.read_text()).items():
        name = settings.table_name(logical_name)
        for start in range(0, len(items), BATCH_WRITE_LIMIT):
            batch = [{"PutRequest": {"Item": item}} for item in items[start : start + BATCH_WRITE_LIMIT]]
            dynamodb.batch_write_item(RequestItems={name: batch})

    s3 = boto3.client("s3", region_name=LOCAL_REGION)
    objects = directory / OBJECTS_DIR
    for path in objects.rglob("*") if objects.exists() else []:
        if path.is_file():
            key = path.relative_to(objects).as_posix()
            s3.put_object(Bucket=settings.media_bucket_name(), Key=key, Body=path.read_bytes())
    return True
