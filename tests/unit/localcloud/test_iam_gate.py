"""The emulator's IAM gate as WSGI middleware: what it lets through to the emulator, how it refuses (as each service
would), what it logs, and S3's 403 for a missing key that the caller may not list."""

import io
import json
from collections.abc import Iterable
from typing import Any

import pytest

from localcloud.emulator import local_stage_arns
from localcloud.iam import gate as gate_module
from localcloud.iam.gate import IamGate
from shared.iam_policy import role_statements
from tests.aws_requests import client, signed_environ
from tests.unit.localcloud.test_iam_requests import EmulatorState

BUCKET = "kotoba-local-media"
USERS = "kotoba-local-users"
PROGRESS = "kotoba-local-progress"
KEY = {"user_id": {"S": "u1"}}


class Emulator:
    """Stands in for moto: records what reaches it, answers with a set status."""

    def __init__(self, status: str = "200 OK") -> None:
        self.status = status
        self.received: list[bytes] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        self.received.append(environ["wsgi.input"].read())
        start_response(self.status, [("Content-Type", "application/xml")])
        return [b"<emulator/>"]


class Answer:
    def __init__(self, gate: IamGate, environ: dict[str, Any]) -> None:
        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            self.status, self.headers = status, dict(headers)

        self.body = b"".join(gate(environ, start_response))

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@pytest.fixture
def log() -> list[str]:
    return []


def gate_before(emulator: Emulator, log: list[str]) -> IamGate:
    return IamGate(
        emulator,
        role_statements(local_stage_arns()),
        account="123456789012",
        region="us-east-1",
        resources=EmulatorState(),
        log=log.append,
    )


def test_the_tooling_key_passes_without_its_body_being_read(log: list[str]) -> None:
    # Given a request of the local cloud's own tooling, whose body the gate must not need
    emulator = Emulator()
    environ = signed_environ(client("dynamodb", "local"), "scan", TableName=PROGRESS)
    environ["wsgi.input"] = io.BytesIO(b"unread")

    # When it reaches the gate
    answer = Answer(gate_before(emulator, log), environ)

    # Then the emulator gets it untouched
    assert answer.status == "200 OK" and emulator.received == [b"unread"] and log == []


def test_a_call_the_role_allows_reaches_the_emulator_whole(log: list[str]) -> None:
    emulator = Emulator()
    environ = signed_environ(client("dynamodb", "local-auth_api"), "get_item", TableName=USERS, Key=KEY)
    sent = environ["wsgi.input"].getvalue()

    answer = Answer(gate_before(emulator, log), environ)

    assert answer.status == "200 OK" and emulator.received == [sent] and log == []


def test_a_table_outside_the_role_is_refused_as_dynamodb_refuses(log: list[str]) -> None:
    # Given the auth function, which has no grant on the learners' progress
    emulator = Emulator()
    environ = signed_environ(client("dynamodb", "local-auth_api"), "get_item", TableName=PROGRESS, Key=KEY)

    # When it reads an item there
    answer = Answer(gate_before(emulator, log), environ)

    # Then DynamoDB's AccessDeniedException comes back, naming who, what and where, and one line is logged
    resource = "arn:aws:dynamodb:us-east-1:123456789012:table/kotoba-local-progress"
    assert answer.status == "400 Bad Request"
    assert answer.headers["Content-Type"] == "application/x-amz-json-1.0"
    assert answer.json == {
        "__type": "com.amazonaws.dynamodb.v20120810#AccessDeniedException",
        "Message": "User: arn:aws:sts::123456789012:assumed-role/auth_api/local-auth_api is not authorized to "
        f"perform: dynamodb:GetItem on resource: {resource} because no identity-based policy allows the "
        "dynamodb:GetItem action",
    }
    assert emulator.received == []
    assert log == [f"IAM denied local-auth_api (auth_api): dynamodb:GetItem on {resource}"]


def test_one_refused_item_refuses_the_whole_transaction(log: list[str]) -> None:
    emulator = Emulator()
    items = [{"Get": {"TableName": USERS, "Key": KEY}}, {"Get": {"TableName": PROGRESS, "Key": KEY}}]
    environ = signed_environ(client("dynamodb", "local-media_api"), "transact_get_items", TransactItems=items)

    answer = Answer(gate_before(emulator, log), environ)

    assert answer.status == "400 Bad Request" and emulator.received == []
    assert log == [
        "IAM denied local-media_api (media_api): dynamodb:GetItem on "
        "arn:aws:dynamodb:us-east-1:123456789012:table/kotoba-local-progress"
    ]


@pytest.mark.parametrize(
    ("access_key", "who", "why"),
    [
        ("local-nobody", "local-nobody", "local-nobody is no function of shared/catalog.py"),
        ("AKIAEXAMPLE", "AKIAEXAMPLE", "AKIAEXAMPLE is no function of shared/catalog.py"),
    ],
)
def test_a_key_that_names_no_function_is_refused_everything(
    log: list[str], access_key: str, who: str, why: str
) -> None:
    answer = Answer(
        gate_before(Emulator(), log),
        signed_environ(client("dynamodb", access_key), "get_item", TableName=USERS, Key=KEY),
    )

    assert answer.status == "400 Bad Request"
    assert answer.json["Message"] == (
        f"User: {who} is not authorized to perform: dynamodb:GetItem on resource: "
        f"arn:aws:dynamodb:us-east-1:123456789012:table/{USERS} because {why}"
    )


def test_an_unsigned_request_is_refused_and_the_emulators_own_api_is_not_aws(log: list[str]) -> None:
    emulator = Emulator()
    unsigned = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": f"/{BUCKET}/tts/a.wav",
        "QUERY_STRING": "",
        "wsgi.input": io.BytesIO(),
    }
    state = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/moto-api/data.json",
        "QUERY_STRING": "",
        "wsgi.input": io.BytesIO(),
    }

    refused = Answer(gate_before(emulator, log), unsigned)
    served = Answer(gate_before(emulator, log), state)

    assert refused.status == "403 Forbidden" and b"<Code>AccessDenied</Code>" in refused.body
    assert "User: anonymous is not authorized" in refused.body.decode()
    assert served.status == "200 OK"
    assert log == [f"IAM denied an unsigned request: s3:GetObject on arn:aws:s3:::{BUCKET}/tts/a.wav"]


def test_s3_refuses_with_its_xml_error_and_a_head_with_no_body(log: list[str]) -> None:
    s3 = client("s3", "local-study_api")  # may use exports/, not the TTS cache

    get = Answer(gate_before(Emulator(), log), signed_environ(s3, "get_object", Bucket=BUCKET, Key="tts/a.wav"))
    head = Answer(gate_before(Emulator(), log), signed_environ(s3, "head_object", Bucket=BUCKET, Key="tts/a.wav"))

    assert get.status == head.status == "403 Forbidden"
    assert get.body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>')
    assert head.body == b""


@pytest.mark.parametrize(
    ("access_key", "key", "emulator_says", "caller_gets"),
    [
        ("local-media_api", "tts/missing.wav", "404 Not Found", "404 Not Found"),  # may list tts/
        ("local-study_api", "exports/missing.json", "404 Not Found", "403 Forbidden"),  # may read exports/, not list
        ("local-study_api", "exports/there.json", "200 OK", "200 OK"),  # an object that exists is no secret
        ("local-ocr_worker", "uploads/ocr/u1/missing.jpg", "404 Not Found", "403 Forbidden"),
    ],
)
def test_a_missing_key_is_a_404_only_for_a_caller_that_may_list_it(
    log: list[str], access_key: str, key: str, emulator_says: str, caller_gets: str
) -> None:
    # Given an object the caller may read, and the emulator's answer for it
    environ = signed_environ(client("s3", access_key), "head_object", Bucket=BUCKET, Key=key)

    # When the caller asks for it
    answer = Answer(gate_before(Emulator(emulator_says), log), environ)

    # Then S3's answer depends on whether the caller may list that key
    assert answer.status == caller_gets
    refused = caller_gets != emulator_says
    function = access_key.removeprefix("local-")
    listing = f"s3:ListBucket on arn:aws:s3:::{BUCKET} s3:prefix={key}"
    assert log == ([f"IAM denied {access_key} ({function}): {listing}"] if refused else [])
    assert answer.body == (b"" if refused else b"<emulator/>")


def test_sqs_refuses_in_its_json_protocol_with_the_query_error_code(log: list[str]) -> None:
    queue = "http://127.0.0.1:4566/123456789012/kotoba-local-ocr-jobs"
    environ = signed_environ(client("sqs", "local-speech_worker"), "receive_message", QueueUrl=queue)

    answer = Answer(gate_before(Emulator(), log), environ)

    assert answer.status == "400 Bad Request"
    assert answer.headers["x-amzn-query-error"] == "AccessDenied;Sender"
    assert answer.json["__type"] == "AccessDeniedException"


def test_ses_refuses_in_its_query_protocol(log: list[str]) -> None:
    message = {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}
    environ = signed_environ(
        client("ses", "local-study_api"),
        "send_email",
        Source="no-reply@kotoba.local",
        Destination={"ToAddresses": ["a@b.c"]},
        Message=message,
    )

    answer = Answer(gate_before(Emulator(), log), environ)

    assert answer.status == "403 Forbidden"
    assert answer.body.startswith(b'<ErrorResponse xmlns="http://ses.amazonaws.com/doc/"><Error><Type>Sender</Type>')
    assert b"<Code>AccessDenied</Code>" in answer.body


def test_the_auth_function_sends_only_from_the_configured_sender(log: list[str]) -> None:
    message = {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}
    ses = client("ses", "local-auth_api")

    def send(source: str) -> str:
        to = {"ToAddresses": ["a@b.c"]}
        return Answer(
            gate_before(Emulator(), log),
            signed_environ(ses, "send_email", Source=source, Destination=to, Message=message),
        ).status

    assert send("no-reply@kotoba.local") == "200 OK"
    assert send("admin@kotoba.local") == "403 Forbidden"  # neither the identity nor the ses:FromAddress granted


def test_a_json_service_and_polly_refuse_with_access_denied_exception(log: list[str]) -> None:
    ssm = Answer(
        gate_before(Emulator(), log),
        signed_environ(
            client("ssm", "local-study_api"),
            "put_parameter",
            Name="/kotoba/local/jwt-verification-keys",
            Value="x",
            Type="String",
        ),
    )
    polly = Answer(
        gate_before(Emulator(), log),
        signed_environ(
            client("polly", "local-study_api"), "synthesize_speech", Text="a", OutputFormat="mp3", VoiceId="Kazuha"
        ),
    )

    assert (ssm.status, ssm.json["__type"]) == ("400 Bad Request", "AccessDeniedException")
    assert (polly.status, polly.headers["x-amzn-ErrorType"]) == ("403 Forbidden", "AccessDeniedException")
    assert polly.json["message"].startswith("User: arn:aws:sts::123456789012:assumed-role/study_api/local-study_api")


def test_each_role_is_compiled_once(log: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    compiled: list[int] = []
    original = gate_module.CompiledPolicy

    def counting(statements: Any) -> Any:
        compiled.append(1)
        return original(statements)

    monkeypatch.setattr(gate_module, "CompiledPolicy", counting)
    gate = gate_before(Emulator(), log)
    dynamodb = client("dynamodb", "local-auth_api")

    for _ in range(3):
        Answer(gate, signed_environ(dynamodb, "get_item", TableName=USERS, Key=KEY))

    assert compiled == [1]
