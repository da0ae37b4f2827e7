"""Each function's role grants what its catalog entry lists and nothing more, read from the synthesized policies."""

import json
from dataclasses import dataclass
from typing import Any

import pytest

from infra.constructs.lambda_function import KotobaFunction
from infra.constructs.scheduled_job import ScheduledJob
from infra.constructs.stream_consumer import StreamConsumerFunction
from shared.catalog import (
    API_FUNCTIONS,
    AUTHENTICATION_READS,
    JOB_WORKERS,
    JWT_KEY_ROTATION,
    QUEUES,
    SCHEDULED_FUNCTIONS,
    STREAM_CONSUMERS,
    ApiFunction,
    JobWorker,
    QueueSpec,
    ScheduledFunction,
    StreamConsumer,
)
from shared.constants import MediaPrefixes, verification_keys_parameter_name
from shared.dal.tables import table_definitions
from tests.infra import code_scan
from tests.infra.conftest import (
    SES_SENDER,
    STAGE,
    SynthesizedApp,
    as_list,
    logical_id,
    resources_of_type,
    table_exports,
)

pytestmark = pytest.mark.slow

INDEXES = {d.logical_name: {index.name for index in d.indexes} for d in table_definitions()}
ALL_TABLES = set(INDEXES)
READ_ACTIONS = {"dynamodb:BatchGetItem", "dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:Query"}
WRITE_ACTIONS = {
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
}
STREAM_ACTIONS = {
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
}
SES_ACTIONS = {"ses:SendEmail", "ses:SendRawEmail"}
QUEUE_CONSUME_ACTIONS = {"sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"}
RECEIVE_AND_DELETE = {"sqs:DeleteMessage", "sqs:ReceiveMessage"}


@dataclass(frozen=True)
class WorkerEntry:
    """An upload worker's tables, listed on its queue's catalog entry, in the shape of the other entries."""

    name: str
    reads: tuple[str, ...]
    writes: tuple[str, ...]


WORKER_ENTRIES = [WorkerEntry(name=spec.worker, reads=(), writes=spec.writes) for spec in QUEUES]
# Every function that reads or writes tables: their entries list them the same way.
TableEntry = ApiFunction | ScheduledFunction | StreamConsumer | WorkerEntry | JobWorker
TABLE_ENTRIES: list[TableEntry] = [
    *API_FUNCTIONS,
    *SCHEDULED_FUNCTIONS,
    *STREAM_CONSUMERS,
    *WORKER_ENTRIES,
    *JOB_WORKERS,
]
ALL_FUNCTION_NAMES = [*(e.name for e in TABLE_ENTRIES), JWT_KEY_ROTATION.name]


@dataclass(frozen=True)
class Grant:
    """One (action, resource) pair of a role's policies, with DynamoDB resources named by table and index, or by
    the table whose stream they are."""

    action: str
    resource: Any
    table: str | None = None
    index: str | None = None
    condition: str | None = None  # the statement's Condition, as JSON
    stream_of: str | None = None

    @property
    def pair(self) -> tuple[str, str]:
        return self.action, json.dumps(self.resource, sort_keys=True)


def _pair(action: str, resource: Any) -> tuple[str, str]:
    return action, json.dumps(resource, sort_keys=True)


@pytest.fixture(scope="module")
def template(synthesized: SynthesizedApp) -> dict[str, Any]:
    return synthesized.template(synthesized.api)


@pytest.fixture(scope="module")
def table_by_export(synthesized: SynthesizedApp) -> dict[str, str]:
    return table_exports(synthesized, "Arn")


@pytest.fixture(scope="module")
def stream_by_export(synthesized: SynthesizedApp) -> dict[str, str]:
    return table_exports(synthesized, "StreamArn")


def _grants(
    template: dict[str, Any],
    function: KotobaFunction,
    table_by_export: dict[str, str],
    stream_by_export: dict[str, str],
) -> list[Grant]:
    role_ref = {"Ref": logical_id(function.role)}
    grants: list[Grant] = []
    for policy in resources_of_type(template, "AWS::IAM::Policy").values():
        if role_ref not in policy["Properties"]["Roles"]:
            continue
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            assert statement["Effect"] == "Allow"
            condition = json.dumps(statement["Condition"], sort_keys=True) if "Condition" in statement else None
            for action in as_list(statement["Action"]):
                grants.extend(
                    _grant(action, resource, table_by_export, stream_by_export, condition)
                    for resource in as_list(statement["Resource"])
                )
    return grants


def _grant(
    action: str,
    resource: Any,
    table_by_export: dict[str, str],
    stream_by_export: dict[str, str],
    condition: str | None,
) -> Grant:
    if not action.startswith("dynamodb:"):
        return Grant(action, resource, condition=condition)
    if isinstance(resource, dict) and resource.get("Fn::ImportValue") in stream_by_export:
        return Grant(action, resource, condition=condition, stream_of=stream_by_export[resource["Fn::ImportValue"]])
    if isinstance(resource, dict) and "Fn::ImportValue" in resource:
        return Grant(action, resource, table=table_by_export[resource["Fn::ImportValue"]], condition=condition)
    if isinstance(resource, dict) and "Fn::Join" in resource:
        table_arn, suffix = resource["Fn::Join"][1]
        table = table_by_export[table_arn["Fn::ImportValue"]]
        return Grant(action, resource, table, suffix.removeprefix("/index/"), condition)
    raise AssertionError(f"{action} on a resource that is not one table or index: {resource}")


@pytest.fixture(scope="module")
def grants_by_function(
    template: dict[str, Any],
    synthesized: SynthesizedApp,
    table_by_export: dict[str, str],
    stream_by_export: dict[str, str],
) -> dict[str, list[Grant]]:
    return {
        function.name: _grants(template, function, table_by_export, stream_by_export)
        for function in synthesized.api.functions
    }


def _table_grants(grants: list[Grant]) -> list[Grant]:
    """DynamoDB grants on tables and indexes (not on streams)."""
    return [g for g in grants if g.action.startswith("dynamodb:") and g.stream_of is None]


@pytest.fixture(scope="module")
def parameter_arn(synthesized: SynthesizedApp) -> Any:
    return synthesized.api.resolve(synthesized.api.jwt_keys.verification_keys_arn)


@pytest.fixture(scope="module")
def secret_arn(synthesized: SynthesizedApp) -> Any:
    return synthesized.api.resolve(synthesized.api.jwt_keys.signing_key.secret_arn)


@pytest.fixture(scope="module")
def cursor_secret_arn(synthesized: SynthesizedApp) -> Any:
    return synthesized.api.resolve(synthesized.api.cursor_key.secret.secret_arn)


@pytest.fixture(scope="module")
def link_secret_arn(synthesized: SynthesizedApp) -> Any:
    return synthesized.api.resolve(synthesized.api.link_key.secret.secret_arn)


def _logs_and_xray(function: KotobaFunction) -> set[tuple[str, str]]:
    log_group = {"Fn::GetAtt": [logical_id(function.log_group), "Arn"]}
    return {
        _pair("logs:CreateLogStream", log_group),
        _pair("logs:PutLogEvents", log_group),
        _pair("xray:PutTelemetryRecords", "*"),
        _pair("xray:PutTraceSegments", "*"),
    }


def test_every_table_arn_export_is_known(table_by_export: dict[str, str]) -> None:
    # When the data stack's table ARN exports are read, Then they are of exactly the designed tables
    assert set(table_by_export.values()) == ALL_TABLES


def test_stream_arns_are_exported_for_the_consumed_streams_only(stream_by_export: dict[str, str]) -> None:
    # When its stream ARN exports are read, Then they are of exactly the tables a consumer reads the stream of
    assert sorted(stream_by_export.values()) == sorted({entry.table for entry in STREAM_CONSUMERS})


@pytest.mark.parametrize("entry", API_FUNCTIONS, ids=lambda e: e.name)
def test_every_api_entry_covers_what_token_verification_reads(entry: ApiFunction) -> None:
    """Verifying an access token reads the user and the session: without both, every call would be refused."""
    # When the API function's catalog entry is read, Then it may read every table token verification reads
    assert set(AUTHENTICATION_READS) <= {*entry.reads, *entry.writes}


@pytest.mark.parametrize("name", [e.name for e in TABLE_ENTRIES])
def test_no_scan_and_no_dynamodb_wildcards(grants_by_function: dict[str, list[Grant]], name: str) -> None:
    # When the function's granted actions are read
    grants = grants_by_function[name]

    # Then none is a Scan or a wildcard action, and no DynamoDB action is on a wildcard resource
    assert not [g for g in grants if g.action in {"dynamodb:Scan", "dynamodb:*", "*"}]
    assert not [g for g in grants if g.action.startswith("dynamodb:") and "*" in str(g.resource)]


@pytest.mark.parametrize("entry", TABLE_ENTRIES, ids=lambda e: e.name)
def test_dynamodb_actions_only_on_the_entry_tables(
    grants_by_function: dict[str, list[Grant]], entry: TableEntry
) -> None:
    # Given the function's DynamoDB grants, by table
    dynamodb = _table_grants(grants_by_function[entry.name])
    describes_all = isinstance(entry, ApiFunction) and entry.describes_all_tables

    # When they are sorted into writes, reads and describes
    written = {g.table for g in dynamodb if g.action in WRITE_ACTIONS}
    read = {g.table for g in dynamodb if g.action in READ_ACTIONS - {"dynamodb:DescribeTable"}}
    described = {g.table for g in dynamodb if g.action == "dynamodb:DescribeTable"}

    # Then it writes exactly the tables its entry writes, reads those and the tables its entry reads, and describes
    # the same (every table, for the function of the deep health check)
    assert {g.action for g in dynamodb} <= READ_ACTIONS | WRITE_ACTIONS
    assert written == set(entry.writes)
    assert read == set(entry.reads) | set(entry.writes)
    assert described == (ALL_TABLES if describes_all else set(entry.reads) | set(entry.writes))


@pytest.mark.parametrize("entry", TABLE_ENTRIES, ids=lambda e: e.name)
def test_queries_reach_exactly_the_indexes_of_its_tables(
    grants_by_function: dict[str, list[Grant]], entry: TableEntry
) -> None:
    # When the function's Query grants are read
    queried = {(g.table, g.index) for g in grants_by_function[entry.name] if g.action == "dynamodb:Query"}

    # Then they are on each of its tables and each of their indexes, and no other
    expected = {(t, None) for t in {*entry.reads, *entry.writes}} | {
        (t, index) for t in {*entry.reads, *entry.writes} for index in INDEXES[t]
    }
    assert queried == expected


def test_job_janitor_touches_only_jobs_and_their_media_records(grants_by_function: dict[str, list[Grant]]) -> None:
    """It Queries the by_status index and updates jobs with the photo or recording record each belongs to (and
    counts a failed upload in the admins' figures): granted on those four tables and nothing else."""
    # When the job janitor's DynamoDB grants are read
    dynamodb = [g for g in grants_by_function["job_janitor"] if g.action.startswith("dynamodb:")]

    # Then they are on the jobs, their photo and recording records, and the figures: a Query of jobs by status and
    # updates, no Scan
    assert {g.table for g in dynamodb} == {"jobs", "ocr_records", "audio_records", "analytics"}
    assert ("dynamodb:Query", "by_status") in {(g.action, g.index) for g in dynamodb}
    for table in ("jobs", "ocr_records", "audio_records"):
        assert "dynamodb:UpdateItem" in {g.action for g in dynamodb if g.table == table and g.index is None}
    assert "dynamodb:Scan" not in {g.action for g in dynamodb}


@pytest.mark.parametrize("entry", API_FUNCTIONS, ids=lambda e: e.name)
def test_s3_access_only_under_its_media_prefixes(
    grants_by_function: dict[str, list[Grant]], entry: ApiFunction
) -> None:
    # When the API function's S3 grants are read
    s3 = [g for g in grants_by_function[entry.name] if g.action.startswith("s3:")]

    # Then it gets, puts and deletes objects under its media prefixes, only gets them under those it reads (the
    # review archive, for the export), and lists only those it checks objects under or reads (the health check's
    # function aside, which may list the bucket)
    actions_by_prefix: dict[str, set[str]] = {}
    for g in s3:
        if g.action != "s3:ListBucket":
            actions_by_prefix.setdefault(str(g.resource["Fn::Join"][1][-1]), set()).add(g.action)
    assert actions_by_prefix == {
        **{f"/{prefix}*": {"s3:GetObject", "s3:PutObject", "s3:DeleteObject"} for prefix in entry.media},
        **{f"/{prefix}*": {"s3:GetObject"} for prefix in entry.reads_media},
    }
    listings = [g for g in s3 if g.action == "s3:ListBucket"]
    # Unconditioned for the health check's HeadBucket only; otherwise limited to the prefixes it checks for objects
    # and those it reads (a learner's archive is listed to be read).
    assert len([g for g in listings if g.condition is None]) == (1 if entry.describes_all_tables else 0)
    assert _listed_prefixes(listings) == {f"{prefix}*" for prefix in (*entry.checks_objects_under, *entry.reads_media)}
    assert set(entry.checks_objects_under) <= set(entry.media)


def _listed_prefixes(grants: list[Grant]) -> set[str]:
    """The s3:prefix values that the conditioned s3:ListBucket grants allow (StringLike, and no other condition)."""
    prefixes: set[str] = set()
    for grant in grants:
        if grant.action != "s3:ListBucket" or grant.condition is None:
            continue
        condition = json.loads(grant.condition)
        assert list(condition) == ["StringLike"] and list(condition["StringLike"]) == ["s3:prefix"], condition
        prefixes |= set(as_list(condition["StringLike"]["s3:prefix"]))
    return prefixes


HEAD_OBJECT_MODULE = "shared.dal.media_storage"
HEAD_OBJECT_CALLERS = code_scan.functions_calling(HEAD_OBJECT_MODULE, "head_object")


def test_head_object_is_called_in_media_storage_only() -> None:
    """The scan below follows calls of media_storage's HeadObject wrappers: no other module may call HeadObject."""
    # When the modules that call HeadObject are listed
    calling = {m for m in code_scan.project_modules() if code_scan.functions_calling(m, "head_object")}

    # Then media storage is the only one, through its object_exists
    assert calling == {HEAD_OBJECT_MODULE}
    assert code_scan.functions_calling(HEAD_OBJECT_MODULE, "head_object") == {"object_exists"}


def test_the_scan_follows_imports_inside_functions_but_those_of_the_whole_app() -> None:
    """A function's code imports some modules where it needs them, to spare its cold start (the study calendar in
    the auth service, the data export in the users router); the scan follows them, but not the imports of
    `whole_api` (the app of every router, which no function builds)."""
    # Given the modules that import inside functions, and what the auth and study functions reach
    lazy = {m: code_scan.lazy_imports(m) for m in code_scan.project_modules() if code_scan.lazy_imports(m)}
    auth_api, study_api = code_scan.reachable_modules("auth_api"), code_scan.reachable_modules("study_api")

    # Then the study calendar imported in the auth service and the export in the users router are followed,
    # and the routers that only whole_api imports are not
    assert set(lazy) >= code_scan.UNFOLLOWED_LAZY_IMPORTS
    assert (
        "shared.services.study_calendar" in lazy["shared.services.auth"]
        and "shared.services.study_calendar" in auth_api
    )
    assert {"shared.services.export", "shared.services.account_jobs"} <= lazy["shared.api.routers.users"] & study_api
    assert "shared.api.routers.ai" not in auth_api  # only whole_api imports every router


@pytest.mark.parametrize("name", ALL_FUNCTION_NAMES)
def test_every_function_whose_code_asks_whether_an_object_exists_may_list_those_prefixes_and_no_other(
    grants_by_function: dict[str, list[Grant]], media_bucket_import: Any, name: str
) -> None:
    """HeadObject on a missing key is a 404 only for a caller allowed s3:ListBucket (otherwise 403, and the TTS
    cache would fail on every miss): read from the code which functions call it and under which MediaPrefixes."""
    # Given where the function's code asks whether an object exists, under which prefixes, and its ListBucket grants
    sites = code_scan.call_sites(name, HEAD_OBJECT_MODULE, HEAD_OBJECT_CALLERS)
    prefixes_in_code = {getattr(MediaPrefixes, attribute) for site in sites for attribute in site.media_prefixes}
    entry = {e.name: e for e in API_FUNCTIONS}.get(name)
    declared = set(entry.checks_objects_under) if entry else set()
    listings = [g for g in grants_by_function[name] if g.action == "s3:ListBucket"]
    # a job worker lists its learners' prefixes to delete what is there (ListObjectsV2), the export lists a learner's
    # review archive and the archiver rewrites it (a missing month a 404): other grants
    listed_by_job = {prefix for worker in JOB_WORKERS if worker.name == name for prefix in worker.lists_media}
    listed_by_job |= set(entry.reads_media) if entry else set()
    listed_by_job |= {prefix for c in STREAM_CONSUMERS if c.name == name for prefix in c.rewrites_media}

    # Then the prefixes are ones its entry declares (or it declares none, when it never asks), and it may list exactly
    # those (and a job worker's own), on the media bucket only
    if sites:
        assert prefixes_in_code, f"{name}: {sites} build keys from no MediaPrefixes constant"
        assert prefixes_in_code <= declared, f"{name} checks objects under {prefixes_in_code}; catalog: {declared}"
    else:
        assert declared == set(), f"{name} never calls HeadObject but its entry lists {declared}"
    assert _listed_prefixes(listings) == {f"{prefix}*" for prefix in declared | listed_by_job}
    bucket_arn = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::", media_bucket_import]]}
    assert all(g.resource == bucket_arn for g in listings)


def test_the_media_function_checks_the_tts_cache() -> None:
    """Guards the scan above against passing vacuously: TTS asks whether its cached audio exists."""
    # When the media function's object checks are found
    sites = code_scan.call_sites("media_api", HEAD_OBJECT_MODULE, HEAD_OBJECT_CALLERS)

    # Then they are the TTS cache's, and it is the one API function that checks objects
    assert {site.module for site in sites} == {"shared.services.tts"}
    assert {entry.name for entry in API_FUNCTIONS if entry.checks_objects_under} == {"media_api"}


@pytest.mark.parametrize("entry", API_FUNCTIONS, ids=lambda e: e.name)
def test_api_function_gets_logs_xray_token_cursor_and_link_keys_and_mail_and_nothing_else(
    synthesized: SynthesizedApp,
    grants_by_function: dict[str, list[Grant]],
    parameter_arn: Any,
    secret_arn: Any,
    cursor_secret_arn: Any,
    link_secret_arn: Any,
    entry: ApiFunction,
) -> None:
    # When the API function's grants beyond DynamoDB, S3, SES and Polly are read
    (handler,) = [h for h in synthesized.api.handlers if h.entry == entry]
    others = {
        g.pair
        for g in grants_by_function[entry.name]
        if not g.action.startswith(("dynamodb:", "s3:", "ses:", "polly:"))
    }

    # Then they are its logs, X-Ray, the verification keys, and only the signing, cursor and link keys it uses,
    # and sending to the job queues it hands work to
    expected = _logs_and_xray(handler) | {_pair("ssm:GetParameter", parameter_arn)}
    if entry.signs_tokens:
        expected.add(_pair("secretsmanager:GetSecretValue", secret_arn))
    if entry.pages_lists:
        expected.add(_pair("secretsmanager:GetSecretValue", cursor_secret_arn))
    if entry.signs_links:
        expected.add(_pair("secretsmanager:GetSecretValue", link_secret_arn))
    assert others == expected | _hands_jobs_to(synthesized, entry.enqueues)


def _hands_jobs_to(synthesized: SynthesizedApp, queues: tuple[str, ...]) -> set[tuple[str, str]]:
    """GetQueueUrl (it is found by name) and SendMessage on each job queue the function hands work to (its catalog
    entry's `enqueues`)."""
    workers = {worker.entry.queue: worker for worker in synthesized.api.job_workers}
    return {
        _pair(action, synthesized.api.resolve(workers[queue].queue.queue_arn))
        for queue in queues
        for action in ("sqs:GetQueueUrl", "sqs:SendMessage")
    }


@pytest.mark.parametrize("entry", API_FUNCTIONS, ids=lambda e: e.name)
def test_every_api_function_reads_the_verification_keys_and_nothing_else_in_ssm(
    synthesized: SynthesizedApp, grants_by_function: dict[str, list[Grant]], parameter_arn: Any, entry: ApiFunction
) -> None:
    # When the API function's SSM grants are read
    ssm = [g for g in grants_by_function[entry.name] if g.action.startswith("ssm:")]

    # Then it only gets the verification keys' parameter, by its exact ARN
    assert [g.pair for g in ssm] == [_pair("ssm:GetParameter", parameter_arn)]
    # the ARN of the one parameter named in shared/constants.py (no stack creates it), no wildcard
    assert parameter_arn == {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":ssm:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                f":parameter{verification_keys_parameter_name(STAGE)}",
            ],
        ]
    }


def _secret_readers(template: dict[str, Any], synthesized: SynthesizedApp, secret: Any) -> set[str]:
    """Functions whose policies allow any Secrets Manager action on `secret`, across every IAM policy of the stack."""
    roles_by_id = {logical_id(function.role): function.name for function in synthesized.api.functions}
    return {
        roles_by_id.get(role["Ref"], role["Ref"])
        for policy in resources_of_type(template, "AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if any(action.startswith("secretsmanager:") for action in as_list(statement["Action"]))
        and secret in as_list(statement["Resource"])
        for role in policy["Properties"]["Roles"]
    }


def test_only_the_auth_and_rotation_functions_can_read_the_signing_key(
    template: dict[str, Any], synthesized: SynthesizedApp, secret_arn: Any
) -> None:
    # When the functions that may read the signing key are listed
    readers = _secret_readers(template, synthesized, secret_arn)

    # Then they are the auth function, the one that signs tokens, and the rotation function
    assert readers == {"auth_api", JWT_KEY_ROTATION.name}
    assert {entry.name for entry in API_FUNCTIONS if entry.signs_tokens} == {"auth_api"}


def test_only_the_functions_that_page_lists_can_read_the_cursor_key(
    template: dict[str, Any], synthesized: SynthesizedApp, cursor_secret_arn: Any
) -> None:
    # When the functions that may read the cursor key are listed
    readers = _secret_readers(template, synthesized, cursor_secret_arn)

    # Then they are those that page lists: the study, media and admin functions
    assert readers == {entry.name for entry in API_FUNCTIONS if entry.pages_lists}
    assert readers == {"study_api", "media_api", "admin_api"}  # the auth function lists nothing


def test_only_the_functions_that_sign_or_open_links_can_read_the_link_key(
    template: dict[str, Any], synthesized: SynthesizedApp, link_secret_arn: Any
) -> None:
    # When the functions that may read the link key are listed
    readers = _secret_readers(template, synthesized, link_secret_arn)

    # Then they are those that sign or open links: the study function and the study reminders
    assert readers == {entry.name for entry in (*API_FUNCTIONS, *SCHEDULED_FUNCTIONS) if entry.signs_links}
    assert readers == {"study_api", "study_reminders"}  # the unsubscribe link: opened by one, signed by the other


@pytest.mark.parametrize("entry", [*API_FUNCTIONS, *SCHEDULED_FUNCTIONS], ids=lambda e: e.name)
def test_ses_only_for_senders_only_on_the_sender_identity_and_only_from_the_sender(
    synthesized: SynthesizedApp, grants_by_function: dict[str, list[Grant]], entry: ApiFunction | ScheduledFunction
) -> None:
    """No `identity/*`: the domain identity the stack creates (a Ref to it) and the sender address's own ARN."""
    # When the function's SES grants are read
    ses = [g for g in grants_by_function[entry.name] if g.action.startswith("ses:")]

    # Then a function that sends no e-mail has none, and a sender may send only on the domain's identity and the
    # sender's address, and only from the sender
    if not entry.sends_email:
        assert ses == []
        return
    domain_arn = synthesized.api.resolve(synthesized.api.email.identity_arns[0])
    assert {g.action for g in ses} == SES_ACTIONS
    assert {json.dumps(g.resource, sort_keys=True) for g in ses} == {
        json.dumps(domain_arn, sort_keys=True),
        json.dumps(_ses_identity_arn(SES_SENDER), sort_keys=True),
    }
    assert {"Ref": logical_id(synthesized.api.email.sender_identity)} in domain_arn["Fn::Join"][1]
    assert not [g for g in ses if "*" in json.dumps(g.resource)]
    assert {g.condition for g in ses} == {json.dumps({"StringEquals": {"ses:FromAddress": SES_SENDER}}, sort_keys=True)}


def _ses_identity_arn(identity: str) -> dict[str, Any]:
    return {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":ses:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                f":identity/{identity}",
            ],
        ]
    }


def test_rotation_function_grants_exactly_the_rotation_protocol(
    synthesized: SynthesizedApp, grants_by_function: dict[str, list[Grant]], parameter_arn: Any, secret_arn: Any
) -> None:
    # When the rotation function's grants are read
    grants = grants_by_function[JWT_KEY_ROTATION.name]

    # Then they are its logs, X-Ray and the rotation's steps on the signing key and the verification keys, unconditioned
    assert {g.pair for g in grants} == _logs_and_xray(synthesized.api.jwt_keys.rotation) | {
        _pair("secretsmanager:DescribeSecret", secret_arn),
        _pair("secretsmanager:GetSecretValue", secret_arn),
        _pair("secretsmanager:PutSecretValue", secret_arn),
        _pair("secretsmanager:UpdateSecretVersionStage", secret_arn),
        _pair("ssm:GetParameter", parameter_arn),
        _pair("ssm:PutParameter", parameter_arn),
    }
    assert all(g.condition is None for g in grants)


@pytest.mark.parametrize("entry", SCHEDULED_FUNCTIONS, ids=lambda e: e.name)
def test_scheduled_function_gets_its_tables_dead_letter_queue_logs_xray_and_link_key_only(
    synthesized: SynthesizedApp,
    grants_by_function: dict[str, list[Grant]],
    link_secret_arn: Any,
    entry: ScheduledFunction,
) -> None:
    """Its e-mail grants (ses:) are checked with the API functions' above."""
    # When the scheduled function's grants beyond DynamoDB and SES are read
    (job,) = [j for j in synthesized.api.scheduled_jobs if j.entry == entry]
    others = {g.pair for g in grants_by_function[entry.name] if not g.action.startswith(("dynamodb:", "ses:"))}

    # Then they are its logs, X-Ray, its dead-letter queue, the job queues it hands work to, and the link key if it
    # signs links
    # Lambda sends the job's failed asynchronous invocations there with the function's role.
    expected = _logs_and_xray(job) | _sends_to_its_dead_letter_queue(job) | _hands_jobs_to(synthesized, entry.enqueues)
    if entry.signs_links:
        expected.add(_pair("secretsmanager:GetSecretValue", link_secret_arn))
    assert others == expected


@pytest.mark.parametrize("entry", JOB_WORKERS, ids=lambda e: e.name)
def test_job_worker_gets_its_queue_media_prefixes_tables_logs_and_xray_only(
    synthesized: SynthesizedApp, grants_by_function: dict[str, list[Grant]], media_bucket_import: Any, entry: JobWorker
) -> None:
    """It consumes its own queue and sends to it (the rest of a long job); it reads, writes, deletes and lists the
    learners' objects under its prefixes, and nothing else of the bucket."""
    # Given the job worker's queue and the objects under its prefixes
    (worker,) = [w for w in synthesized.api.job_workers if w.entry == entry]
    grants = grants_by_function[entry.name]
    queue = synthesized.api.resolve(worker.queue.queue_arn)
    objects = {
        _pair(action, {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::", media_bucket_import, f"/{p}*"]]})
        for p in entry.media
        for action in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject")
    }
    others = {g.pair for g in grants if not g.action.startswith(("dynamodb:", "s3:ListBucket"))}

    # Then beyond DynamoDB it gets its logs, X-Ray, those objects, and its own queue to consume and send to, and it
    # lists only its prefixes
    assert others == _logs_and_xray(worker) | objects | {
        _pair(action, queue) for action in (*QUEUE_CONSUME_ACTIONS, "sqs:GetQueueUrl", "sqs:SendMessage")
    }
    assert _listed_prefixes([g for g in grants if g.action == "s3:ListBucket"]) == {f"{p}*" for p in entry.lists_media}
    assert entry.media == entry.lists_media


def test_function_roles_have_no_managed_policies(synthesized: SynthesizedApp, template: dict[str, Any]) -> None:
    # When each function's role is read, Then it has no managed policy
    for function in synthesized.api.functions:
        assert "ManagedPolicyArns" not in template["Resources"][logical_id(function.role)]["Properties"]


@pytest.mark.parametrize("name", ALL_FUNCTION_NAMES)
def test_stream_reads_only_by_consumers_and_only_on_their_own_stream(
    grants_by_function: dict[str, list[Grant]], name: str
) -> None:
    """Stream actions sit on the exact stream ARN of the consumer's table: no other stream, no `*`."""
    # When the function's DynamoDB grants on streams are read
    consumer = {entry.name: entry for entry in STREAM_CONSUMERS}.get(name)
    dynamodb = [g for g in grants_by_function[name] if g.action.startswith("dynamodb:")]

    # Then only a stream consumer has them, on its own table's stream ARN, and no stream action is on anything else
    on_streams = {(g.action, g.stream_of) for g in dynamodb if g.stream_of is not None}
    assert on_streams == ({(action, consumer.table) for action in STREAM_ACTIONS} if consumer else set())
    assert not [g for g in dynamodb if g.action in STREAM_ACTIONS and g.stream_of is None]


@pytest.mark.parametrize("entry", STREAM_CONSUMERS, ids=lambda e: e.name)
def test_stream_consumer_gets_its_stream_tables_dead_letter_queue_media_prefixes_logs_and_xray_only(
    synthesized: SynthesizedApp,
    grants_by_function: dict[str, list[Grant]],
    media_bucket_import: Any,
    entry: StreamConsumer,
) -> None:
    # When the stream consumer's grants beyond DynamoDB are read
    (consumer,) = [c for c in synthesized.api.stream_consumers if c.entry == entry]
    grants = grants_by_function[entry.name]
    others = {g.pair for g in grants if not g.action.startswith(("dynamodb:", "s3:ListBucket"))}
    objects = {
        _pair(action, {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::", media_bucket_import, f"/{p}*"]]})
        for p in entry.rewrites_media
        for action in ("s3:GetObject", "s3:PutObject")  # the archive is merged into, never deleted from
    }

    # Then they are its logs, X-Ray, its dead-letter queue, the objects it rewrites (the archiver: get and put,
    # never delete) and the job queues it hands work to (the aggregator: FSRS fits), unconditioned but for listing
    # those objects' prefixes
    expected = _logs_and_xray(consumer) | _sends_to_its_dead_letter_queue(consumer) | objects
    assert others == expected | _hands_jobs_to(synthesized, entry.enqueues)
    assert _listed_prefixes([g for g in grants if g.action == "s3:ListBucket"]) == {
        f"{p}*" for p in entry.rewrites_media
    }
    assert all(g.condition is None for g in grants if g.action != "s3:ListBucket")


def _sends_to_its_dead_letter_queue(consumer: StreamConsumerFunction | ScheduledJob) -> set[tuple[str, str]]:
    queue_arn = {"Fn::GetAtt": [logical_id(consumer.dead_letter_queue), "Arn"]}
    return {_pair(action, queue_arn) for action in ("sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage")}


def test_review_archiver_reads_users_and_touches_nothing_else_in_dynamodb(
    grants_by_function: dict[str, list[Grant]],
) -> None:
    """It reads whether each learner is still there (an erased account is not archived), and reads the removed
    reviews from its stream's records, not the table."""
    # When the archiver's table grants are read
    dynamodb = _table_grants(grants_by_function["review_archiver"])

    # Then they are reads of the users table, and nothing more
    assert {g.table for g in dynamodb} == {"users"}
    assert "dynamodb:PutItem" not in {g.action for g in dynamodb}


def test_review_aggregator_writes_only_counters_figures_achievements_and_fits_queued(
    grants_by_function: dict[str, list[Grant]],
) -> None:
    """Item writes on `sentences` and `vocabulary` (counters), `daily_stats` (each learner's days and deck summary),
    `idempotency` (a marker per review counted), `user_achievements` and `analytics` (the admins' figures), `users`
    and `jobs` (a learner's FSRS fit queued and claimed); reads of the review log (a day recounted from its reviews),
    the deck (its mastery index) and the achievement catalogue; nothing on auth tables, media records or objects."""
    # When the review aggregator's DynamoDB grants are read
    dynamodb = _table_grants(grants_by_function["review_aggregator"])
    writes = {g.table for g in dynamodb if g.action == "dynamodb:UpdateItem" and g.index is None}

    # Then it updates counters, figures, achievements, its idempotency markers and the fits it queues, reads the
    # catalogue, the deck and the review log, and writes nothing to the review log
    assert writes == {
        "sentences",
        "vocabulary",
        "user_achievements",
        "daily_stats",
        "idempotency",
        "analytics",
        "users",
        "jobs",
    }
    assert {g.table for g in dynamodb} == writes | {
        "achievements",
        "review_logs",
        "progress",
    }
    assert not {g.action for g in dynamodb if g.table == "review_logs"} & {
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:BatchWriteItem",
    }


def test_the_learners_totals_are_written_where_their_events_happen(
    grants_by_function: dict[str, list[Grant]],
) -> None:
    """A finished session or an added sentence (the study API) and a processed photo or recording (its worker)
    is counted on the learner's totals in `daily_stats`, in the transaction of the event itself; the media API
    counts nothing there."""
    # When the study API's and the workers' grants are read, Then each updates daily_stats; the media API's touch none
    for name in ("study_api", "ocr_worker", "speech_worker"):
        updates = {g.table for g in _table_grants(grants_by_function[name]) if g.action == "dynamodb:UpdateItem"}
        assert "daily_stats" in updates, name
    assert "daily_stats" not in {g.table for g in _table_grants(grants_by_function["media_api"])}


@pytest.mark.parametrize("name", ALL_FUNCTION_NAMES)
def test_polly_only_for_the_function_that_speaks_and_only_synthesize_speech_in_this_region(
    grants_by_function: dict[str, list[Grant]], name: str
) -> None:
    """Resource '*' (Polly's voices have no ARN), pinned to the stack's region."""
    # When the function's Polly grants are read
    speaks = {entry.name for entry in API_FUNCTIONS if entry.synthesizes_speech}
    polly = [g for g in grants_by_function[name] if g.action.startswith("polly:")]

    # Then only the media function, the one that speaks, may synthesize speech, on any voice, in the stack's region
    assert speaks == {"media_api"}
    assert [(g.action, g.resource, g.condition) for g in polly] == (
        [
            (
                "polly:SynthesizeSpeech",
                "*",
                json.dumps({"StringEquals": {"aws:RequestedRegion": {"Ref": "AWS::Region"}}}, sort_keys=True),
            )
        ]
        if name in speaks
        else []
    )


def test_speech_synthesis_is_a_policy_of_its_own_that_the_function_waits_for(
    synthesized: SynthesizedApp, template: dict[str, Any]
) -> None:
    # Given the function that speaks, and its speech synthesis policy
    (handler,) = [h for h in synthesized.api.handlers if h.entry.synthesizes_speech]
    assert handler.speech_synthesis_policy is not None
    policy_id = logical_id(handler.speech_synthesis_policy)

    # Then the policy is on its role alone, the function depends on it, and no other function has one
    assert template["Resources"][policy_id]["Properties"]["Roles"] == [{"Ref": logical_id(handler.role)}]
    assert policy_id in template["Resources"][logical_id(handler.function)]["DependsOn"]
    assert all(h.speech_synthesis_policy is None for h in synthesized.api.handlers if h is not handler)


@pytest.fixture(scope="module")
def media_bucket_import(synthesized: SynthesizedApp) -> Any:
    return synthesized.api.resolve(synthesized.storage.media_bucket_name_import)


@pytest.mark.parametrize("spec", QUEUES, ids=lambda s: s.worker)
def test_upload_worker_gets_its_uploads_queue_tables_logs_and_xray_only(
    synthesized: SynthesizedApp, grants_by_function: dict[str, list[Grant]], media_bucket_import: Any, spec: QueueSpec
) -> None:
    # When the upload worker's grants beyond DynamoDB are read
    (worker,) = [w for w in synthesized.api.upload_workers if w.spec == spec]
    grants = grants_by_function[spec.worker]
    others = {g.pair for g in grants if not g.action.startswith("dynamodb:")}
    uploads = {
        "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::", media_bucket_import, f"/{spec.upload_prefix}*"]]
    }

    # Then they are its logs, X-Ray, reading the uploads under its prefix and consuming its queue, unconditioned
    assert others == _logs_and_xray(worker) | {_pair("s3:GetObject", uploads)} | {
        _pair(action, synthesized.api.resolve(worker.queue_arn)) for action in QUEUE_CONSUME_ACTIONS
    }
    assert all(g.condition is None for g in grants)


def test_upload_prefixes_are_the_ones_the_bucket_announces_and_do_not_overlap() -> None:
    """Each worker reads only its own uploads: neither prefix is inside the other."""
    # When the upload workers' prefixes are read, Then they are the OCR and speech uploads, neither inside the other
    ocr, speech = (spec.upload_prefix for spec in QUEUES)

    assert (ocr, speech) == ("uploads/ocr/", "uploads/speech/")
    assert not ocr.startswith(speech) and not speech.startswith(ocr)


@pytest.mark.parametrize("name", ALL_FUNCTION_NAMES)
def test_queue_consumption_only_by_the_workers_and_only_on_their_own_queue(
    synthesized: SynthesizedApp, grants_by_function: dict[str, list[Grant]], name: str
) -> None:
    """Receiving and deleting, that is; the stream consumers read their dead-letter queue's attributes to send."""
    # Given the queue each worker consumes
    own_queue = {w.name: w.queue_arn for w in synthesized.api.upload_workers}
    own_queue |= {w.name: w.queue.queue_arn for w in synthesized.api.job_workers}

    # When the function's receive and delete grants are read
    consumed = {g.pair for g in grants_by_function[name] if g.action in RECEIVE_AND_DELETE}

    expected = (
        {_pair(action, synthesized.api.resolve(own_queue[name])) for action in RECEIVE_AND_DELETE}
        if name in own_queue
        else set()
    )

    # Then a worker has them on its own queue and any other function none, and no SQS action is on a wildcard
    assert consumed == expected
    assert not [g for g in grants_by_function[name] if g.action.startswith("sqs:") and "*" in json.dumps(g.resource)]
