"""What one HTTP request to the emulator asks of IAM: who signed it, and each action on each resource it needs, the
way AWS authorizes that service's API (the Service Authorization Reference and each service's guide):

- DynamoDB: the table (`table/<name>`), or its index (`table/<name>/index/<index>`) for a Query or Scan on one;
  BatchGetItem and BatchWriteItem on each table they touch; a transaction as the item actions it is made of (a Get as
  GetItem; Put, Update, Delete and ConditionCheck as PutItem, UpdateItem, DeleteItem and ConditionCheckItem).
- DynamoDB Streams: the stream ARN (a shard iterator carries it).
- S3: GET and HEAD of an object are GetObject, PUT PutObject, DELETE DeleteObject; a browser POST upload is PutObject
  as whoever signed its policy; listing a bucket is ListBucket with `s3:prefix`, HeadBucket is ListBucket. A presigned
  URL is authorized as its signer. For a GET or HEAD of a key, the ListBucket that S3 asks of the caller when the key is
  missing (404 with it, 403 without) is returned beside, with the key as `s3:prefix`.
- SQS: the queue's ARN (from its URL or name); batch calls as their single action.
- SES: the identity a send is authorized against (the sender's address, or its verified domain), `ses:FromAddress`.
- SSM: `parameter/<name>`. Secrets Manager: the secret's full ARN (with its random suffix), whatever the call named.
- Polly: `*` (SynthesizeSpeech names lexicons only when it uses them).
- Every request: `aws:RequestedRegion`. Anything else: `<service>:<operation>` on `*`.
"""

import io
import json
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Final, Literal, Protocol
from urllib.parse import parse_qs, unquote

from werkzeug.formparser import parse_form_data

from localcloud.iam.evaluation import Authorization

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

# How a service's API answers, which decides the shape of a refusal.
ApiStyle = Literal["json", "query", "rest-xml", "rest-json"]

_SCOPED_CREDENTIAL: Final = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")
_QUERY_CREDENTIAL: Final = re.compile(r"([^/]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")
_SIGNATURE_V2: Final = re.compile(r"AWS ([^:\s]+):")
_ADDRESS_IN_BRACKETS: Final = re.compile(r"<([^<>]+)>\s*$")

REQUESTED_REGION: Final = "aws:requestedregion"  # the condition key every request carries
DYNAMODB_TARGET: Final = "DynamoDB_20120810."
STREAMS_TARGET: Final = "DynamoDBStreams_20120810."
TRANSACT_WRITE_ACTIONS: Final = {
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem",
    "ConditionCheck": "dynamodb:ConditionCheckItem",
}
SQS_BATCH_ACTIONS: Final = {
    "SendMessageBatch": "SendMessage",
    "DeleteMessageBatch": "DeleteMessage",
    "ChangeMessageVisibilityBatch": "ChangeMessageVisibility",
}
S3_BUCKET_READS: Final = {  # GET <bucket>?<subresource>
    "uploads": "ListBucketMultipartUploads",
    "versions": "ListBucketVersions",
    "location": "GetBucketLocation",
    "notification": "GetBucketNotification",
    "policy": "GetBucketPolicy",
    "acl": "GetBucketAcl",
    "tagging": "GetBucketTagging",
    "versioning": "GetBucketVersioning",
    "lifecycle": "GetLifecycleConfiguration",
    "cors": "GetBucketCORS",
    "encryption": "GetEncryptionConfiguration",
    "logging": "GetBucketLogging",
}
S3_BUCKET_WRITES: Final = {  # PUT or DELETE <bucket>?<subresource>: S3 authorizes a removal as the Put
    "notification": "PutBucketNotification",
    "policy": "PutBucketPolicy",
    "acl": "PutBucketAcl",
    "tagging": "PutBucketTagging",
    "versioning": "PutBucketVersioning",
    "lifecycle": "PutLifecycleConfiguration",
    "cors": "PutBucketCORS",
    "encryption": "PutEncryptionConfiguration",
    "logging": "PutBucketLogging",
}
S3_OBJECT_READS: Final = {  # GET or HEAD <bucket>/<key>?<subresource>
    "versionId": "GetObjectVersion",
    "tagging": "GetObjectTagging",
    "acl": "GetObjectAcl",
    "attributes": "GetObjectAttributes",
    "uploadId": "ListMultipartUploadParts",
}
S3_OBJECT_REMOVALS: Final = {  # DELETE <bucket>/<key>?<subresource>
    "uploadId": "AbortMultipartUpload",
    "versionId": "DeleteObjectVersion",
    "tagging": "DeleteObjectTagging",
}
POLLY_PATHS: Final = {
    ("POST", "/v1/speech"): "SynthesizeSpeech",
    ("GET", "/v1/voices"): "DescribeVoices",
    ("GET", "/v1/lexicons"): "ListLexicons",
    ("POST", "/v1/synthesisTasks"): "StartSpeechSynthesisTask",
    ("GET", "/v1/synthesisTasks"): "ListSpeechSynthesisTasks",
}


class ResourceLookup(Protocol):
    """What only the emulator's state can tell: names resolved to what IAM authorizes against."""

    def secret_arn(self, region: str, secret_id: str) -> str | None:
        """The full ARN of the secret a name or (partial) ARN refers to; None when there is no such secret."""

    def sending_identity(self, region: str, address: str) -> str:
        """The verified identity SES authorizes a send from `address` against: the address, or its domain."""


@dataclass(frozen=True)
class Caller:
    """Who signed a request: the access key id, and the service and region of the signature's credential scope."""

    access_key: str
    service: str | None = None  # None for a signature version 2 (an S3 presigned URL or upload policy)
    region: str | None = None


@dataclass(frozen=True)
class RequestedAccess:
    service: str  # the IAM prefix of its actions
    style: ApiStyle
    authorizations: tuple[Authorization, ...]
    # S3: for a read of a key, the ListBucket that decides between 404 and 403 when the key is missing.
    if_missing: Authorization | None = None
    head: bool = False  # a HEAD request: its refusal has no body


class HttpRequest:
    """The parts of one WSGI request the gate reads, each read once. Reading the body puts a copy back in the
    environment for the application behind."""

    def __init__(self, environ: "WSGIEnvironment") -> None:
        self.environ = environ
        self.method: str = environ["REQUEST_METHOD"]
        # WSGI hands the decoded path as Latin-1 code points of its bytes: back to bytes, then to UTF-8.
        self.path: str = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace")

    def header(self, name: str) -> str | None:
        key = name.upper().replace("-", "_")
        value = self.environ.get(key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}")
        return None if value is None else str(value)

    @cached_property
    def query(self) -> dict[str, str]:
        pairs = parse_qs(self.environ.get("QUERY_STRING", ""), keep_blank_values=True)
        return {name: values[0] for name, values in pairs.items()}

    @cached_property
    def body(self) -> bytes:
        length = self.environ.get("CONTENT_LENGTH")
        stream = self.environ["wsgi.input"]
        data: bytes = stream.read(int(length)) if length else stream.read()
        self.environ["wsgi.input"] = io.BytesIO(data)
        self.environ["CONTENT_LENGTH"] = str(len(data))
        return data

    @cached_property
    def json(self) -> dict[str, Any]:
        """The JSON body; a body that is none names no resource (the service itself will refuse it)."""
        try:
            document = json.loads(self.body or b"{}")
        except ValueError:
            return {}
        return document if isinstance(document, dict) else {}

    @cached_property
    def form(self) -> dict[str, str]:
        """A query-protocol request's parameters (`Action=...`), from its body or else its query string."""
        if self.method == "POST" and (self.header("Content-Type") or "").startswith("application/x-www-form"):
            pairs = parse_qs(self.body.decode(), keep_blank_values=True)
            return {name: values[0] for name, values in pairs.items()}
        return self.query

    @property
    def is_browser_upload(self) -> bool:
        return self.method == "POST" and (self.header("Content-Type") or "").startswith("multipart/form-data")

    @cached_property
    def upload_fields(self) -> dict[str, str]:
        """The fields of a browser POST upload (key, policy, credential...), names lower-cased; not the file."""
        copy = {**self.environ, "wsgi.input": io.BytesIO(self.body)}
        _, fields, _ = parse_form_data(copy)
        self.environ["wsgi.input"] = io.BytesIO(self.body)
        return {name.lower(): value for name, value in fields.items()}


def caller_of(request: HttpRequest) -> Caller | None:
    """Who signed the request: its Authorization header, a presigned URL's query, or a browser upload's policy
    fields; None for an unsigned request."""
    authorization = request.header("Authorization") or ""
    if match := _SCOPED_CREDENTIAL.search(authorization):
        return Caller(match[1], service=match[3], region=match[2])
    if match := _SIGNATURE_V2.match(authorization):
        return Caller(match[1])
    fields = (
        request.upload_fields
        if request.is_browser_upload
        else {name.lower(): value for name, value in request.query.items()}
    )
    if "x-amz-credential" in fields and (match := _QUERY_CREDENTIAL.fullmatch(fields["x-amz-credential"])):
        return Caller(match[1], service=match[3], region=match[2])
    if "awsaccesskeyid" in fields:
        return Caller(fields["awsaccesskeyid"])
    return None


@dataclass(frozen=True)
class _Arns:
    """ARNs of the account and region a request is made in."""

    account: str
    region: str

    def of(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account}:{resource}"

    def table(self, name: str) -> str:
        return name if name.startswith("arn:") else self.of("dynamodb", f"table/{name}")


def requested_access(
    request: HttpRequest, caller: Caller | None, *, account: str, default_region: str, lookup: ResourceLookup
) -> RequestedAccess:
    region = (caller.region if caller else None) or default_region
    arns = _Arns(account, region)
    target = request.header("X-Amz-Target")
    service = (caller.service if caller else None) or "s3"  # only S3 takes unsigned or version-2-signed requests
    if target is not None:
        operation = target.rsplit(".", 1)[-1]
        service, pairs = _json_call(target, operation, service, request.json, arns, lookup)
        style: ApiStyle = "json"
    elif service == "s3":
        return _with_region(_s3(request, arns), region)
    elif "Action" in request.form:
        operation = request.form["Action"]
        pairs = _query_call(service, operation, request.form, arns, lookup)
        style = "query"
    elif service == "polly":
        pairs = _polly(request, arns)
        style = "rest-json"
    else:
        pairs = [(f"{service}:<unmodelled {request.method} {request.path}>", "*", {})]
        style = "rest-json"
    return _with_region(RequestedAccess(service, style, tuple(Authorization(*p) for p in pairs)), region)


def _with_region(access: RequestedAccess, region: str) -> RequestedAccess:
    """Every request carries aws:RequestedRegion."""

    def add(authorization: Authorization) -> Authorization:
        return Authorization(
            authorization.action, authorization.resource, {**authorization.context, REQUESTED_REGION: region}
        )

    return RequestedAccess(
        access.service,
        access.style,
        tuple(add(a) for a in access.authorizations),
        add(access.if_missing) if access.if_missing else None,
        access.head,
    )


_Pair = tuple[str, str, dict[str, str]]  # action, resource, condition keys


def _json_call(
    target: str, operation: str, service: str, body: dict[str, Any], arns: _Arns, lookup: ResourceLookup
) -> tuple[str, list[_Pair]]:
    if target.startswith(DYNAMODB_TARGET):
        return "dynamodb", _dynamodb(operation, body, arns)
    if target.startswith(STREAMS_TARGET):
        return "dynamodb", _dynamodb_streams(operation, body, arns)
    if target.startswith("AmazonSQS."):
        return "sqs", _sqs(operation, body, arns)
    if target.startswith("AmazonSSM."):
        return "ssm", _ssm(operation, body, arns)
    if target.startswith("secretsmanager."):
        return "secretsmanager", _secretsmanager(operation, body, arns, lookup)
    return service, [(f"{service}:{operation}", "*", {})]


def _query_call(
    service: str, operation: str, form: Mapping[str, str], arns: _Arns, lookup: ResourceLookup
) -> list[_Pair]:
    if service == "sqs":
        return _sqs(operation, form, arns)
    if service == "ses" and operation in ("SendEmail", "SendRawEmail") and form.get("Source"):
        address = _address(form["Source"])
        identity = lookup.sending_identity(arns.region, address)
        return [(f"ses:{operation}", arns.of("ses", f"identity/{identity}"), {"ses:fromaddress": address})]
    return [(f"{service}:{operation}", "*", {})]


def _address(source: str) -> str:
    """`Kotoba <no-reply@example.org>` -> `no-reply@example.org`."""
    match = _ADDRESS_IN_BRACKETS.search(source)
    return (match[1] if match else source).strip()


def _dynamodb(operation: str, body: dict[str, Any], arns: _Arns) -> list[_Pair]:
    action = f"dynamodb:{operation}"
    if operation in ("BatchGetItem", "BatchWriteItem"):
        return [(action, arns.table(table), {}) for table in body.get("RequestItems", {})]
    if operation == "TransactGetItems":
        return [
            ("dynamodb:GetItem", arns.table(item["Get"]["TableName"]), {}) for item in body.get("TransactItems", [])
        ]
    if operation == "TransactWriteItems":
        return [
            (TRANSACT_WRITE_ACTIONS[kind], arns.table(request["TableName"]), {})
            for item in body.get("TransactItems", [])
            for kind, request in item.items()
        ]
    if "TableName" in body:
        table = arns.table(body["TableName"])
        return [(action, f"{table}/index/{body['IndexName']}" if body.get("IndexName") else table, {})]
    return [(action, str(body.get("ResourceArn", "*")), {})]


def _dynamodb_streams(operation: str, body: dict[str, Any], arns: _Arns) -> list[_Pair]:
    action = f"dynamodb:{operation}"
    if "StreamArn" in body:
        return [(action, body["StreamArn"], {})]
    if "ShardIterator" in body:  # the emulator's iterators begin with the stream's ARN (AWS's are opaque)
        stream = str(body["ShardIterator"]).split("|", 1)[0]
        return [(action, stream if stream.startswith("arn:") else "*", {})]
    if "TableName" in body:
        return [(action, f"{arns.table(body['TableName'])}/stream/*", {})]
    return [(action, "*", {})]


def _sqs(operation: str, parameters: Mapping[str, Any], arns: _Arns) -> list[_Pair]:
    action = f"sqs:{SQS_BATCH_ACTIONS.get(operation, operation)}"
    if "QueueUrl" in parameters:  # http://<host>/<account>/<queue name>
        account, name = str(parameters["QueueUrl"]).rstrip("/").rsplit("/", 2)[-2:]
        return [(action, f"arn:aws:sqs:{arns.region}:{account}:{name}", {})]
    if "QueueName" in parameters:
        account = str(parameters.get("QueueOwnerAWSAccountId") or arns.account)
        return [(action, f"arn:aws:sqs:{arns.region}:{account}:{parameters['QueueName']}", {})]
    return [(action, "*", {})]


def _ssm(operation: str, body: dict[str, Any], arns: _Arns) -> list[_Pair]:
    action = f"ssm:{operation}"
    names = [body["Name"]] if "Name" in body else body.get("Names") or ([body["Path"]] if "Path" in body else [])
    return [(action, _parameter_arn(str(name), arns), {}) for name in names] or [(action, "*", {})]


def _parameter_arn(name: str, arns: _Arns) -> str:
    return name if name.startswith("arn:") else arns.of("ssm", f"parameter/{name.removeprefix('/')}")


def _secretsmanager(operation: str, body: dict[str, Any], arns: _Arns, lookup: ResourceLookup) -> list[_Pair]:
    action = f"secretsmanager:{operation}"
    secret_id = body.get("SecretId") or body.get("Name")
    if not secret_id:
        return [(action, "*", {})]
    secret_id = str(secret_id)
    # A secret that does not exist has no suffix yet: IAM decides on the name alone (a `-??????` grant misses it).
    unknown = secret_id if secret_id.startswith("arn:") else arns.of("secretsmanager", f"secret:{secret_id}")
    return [(action, lookup.secret_arn(arns.region, secret_id) or unknown, {})]


def _polly(request: HttpRequest, arns: _Arns) -> list[_Pair]:
    path = request.path.rstrip("/")
    operation = POLLY_PATHS.get((request.method, path))
    if operation is None and path.startswith("/v1/lexicons/"):
        operation = {"GET": "GetLexicon", "PUT": "PutLexicon", "DELETE": "DeleteLexicon"}.get(request.method)
    if operation is None:
        return [(f"polly:<unmodelled {request.method} {path}>", "*", {})]
    lexicons = request.json.get("LexiconNames", []) if operation == "SynthesizeSpeech" else []
    if path.startswith("/v1/lexicons/"):
        lexicons = [path.rsplit("/", 1)[1]]
    resources = [arns.of("polly", f"lexicon/{name}") for name in lexicons] or ["*"]
    return [(f"polly:{operation}", resource, {}) for resource in resources]


def _s3(request: HttpRequest, arns: _Arns) -> RequestedAccess:
    bucket, _, key = request.path.lstrip("/").partition("/")
    query, method = request.query, request.method

    def access(*pairs: _Pair, if_missing: Authorization | None = None) -> RequestedAccess:
        return RequestedAccess("s3", "rest-xml", tuple(Authorization(*p) for p in pairs), if_missing, method == "HEAD")

    if not bucket:
        return access(("s3:ListAllMyBuckets", "*", {}))
    bucket_arn = f"arn:aws:s3:::{bucket}"
    if not key:
        return access(*_s3_bucket_call(request, bucket_arn))
    object_arn = f"{bucket_arn}/{key}"
    if method in ("GET", "HEAD"):
        read = next((action for sub, action in S3_OBJECT_READS.items() if sub in query), "GetObject")
        return access(
            (f"s3:{read}", object_arn, {}),
            if_missing=Authorization("s3:ListBucket", bucket_arn, {"s3:prefix": key}),
        )
    if method == "PUT":
        write = "PutObjectTagging" if "tagging" in query else "PutObjectAcl" if "acl" in query else "PutObject"
        pairs: list[_Pair] = [(f"s3:{write}", object_arn, {})]
        if source := request.header("X-Amz-Copy-Source"):
            source_path = unquote(source.split("?", 1)[0]).lstrip("/")
            pairs.append(("s3:GetObject", f"arn:aws:s3:::{source_path}", {}))
        return access(*pairs)
    if method == "DELETE":
        removal = next((action for sub, action in S3_OBJECT_REMOVALS.items() if sub in query), "DeleteObject")
        return access((f"s3:{removal}", object_arn, {}))
    if method == "POST":  # multipart upload steps write the object; restore and select read it
        action = "RestoreObject" if "restore" in query else "GetObject" if "select" in query else "PutObject"
        return access((f"s3:{action}", object_arn, {}))
    return access((f"s3:<unmodelled {method} object>", object_arn, {}))


def _s3_bucket_call(request: HttpRequest, bucket_arn: str) -> list[_Pair]:
    query, method = request.query, request.method
    if method == "HEAD":
        return [("s3:ListBucket", bucket_arn, {})]
    if method == "GET":
        read = next((action for sub, action in S3_BUCKET_READS.items() if sub in query), None)
        if read:
            return [(f"s3:{read}", bucket_arn, {})]
        return [("s3:ListBucket", bucket_arn, {"s3:prefix": query["prefix"]} if "prefix" in query else {})]
    if method in ("PUT", "DELETE"):
        write = next((action for sub, action in S3_BUCKET_WRITES.items() if sub in query), None)
        if write:
            return [(f"s3:{write}", bucket_arn, {})]
        return [("s3:CreateBucket" if method == "PUT" else "s3:DeleteBucket", bucket_arn, {})]
    if method == "POST" and "delete" in query:  # DeleteObjects: DeleteObject on each key
        root = ElementTree.fromstring(request.body)  # noqa: S314 - a local client's request to a local emulator
        keys = [element.text or "" for element in root.iter() if element.tag.rsplit("}", 1)[-1] == "Key"]
        return [("s3:DeleteObject", f"{bucket_arn}/{key}", {}) for key in keys]
    if method == "POST" and request.is_browser_upload:
        return [("s3:PutObject", f"{bucket_arn}/{request.upload_fields.get('key', '')}", {})]
    return [(f"s3:<unmodelled {method} bucket>", bucket_arn, {})]
