"""S3's checks of a browser-based upload (a presigned POST), which moto (5.2.5) leaves out: it stores whatever a
form POST carries, so an oversized file, another content type, another key, an expired or forged policy all
landed in the local cloud and in the tests, where S3 refuses them.

`check` follows the S3 API reference's pages on POST uploads (sigv4-HTTPPOSTForms, sigv4-HTTPPOSTConstructPolicy,
sigv4-post-example; HTTPPOSTForms for Signature Version 2, which botocore still uses for presigned POSTs in
us-east-1) and, where they say nothing of the answer, what S3 was recorded answering (LocalStack's snapshots
validated against S3, captures in issue trackers): each refusal's status, code, message and other elements.
`apply` puts it in front of moto's bucket POST; tests/unit/localcloud/test_s3_post_policy.py fails if an upgrade
of moto changes what that replaces.

Not modelled: publicly writable buckets (an anonymous POST is refused; no bucket here is public), the validity of
session tokens, and access keys other than those given to `apply` (moto's IAM users' keys included).
"""

import base64
import binascii
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree

from botocore.auth import HmacV1Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from moto.core.common_types import TYPE_RESPONSE
from moto.core.request import Request
from moto.core.serialize import S3Serializer
from moto.s3.responses import S3Response

SIGV4_ALGORITHM = "AWS4-HMAC-SHA256"
SIGV4_FIELDS = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Signature")  # in the order S3 names them
SIGV2_FIELDS = ("AWSAccessKeyId", "Signature")
# Fields no condition has to cover, besides those named x-ignore-*, lowercased: S3 takes field names in any case.
UNCONDITIONED = {"v4": frozenset({"x-amz-signature", "file", "policy"}),
                 "v2": frozenset({"awsaccesskeyid", "signature", "file", "policy"})}  # fmt: skip
IGNORED_PREFIX = "x-ignore-"
CREDENTIAL_FORMAT = re.compile(r"([^/]+)/(\d{8})/([^/]+)/s3/aws4_request")  # access key id, day, region
EXPIRATION_FORMAT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z")  # ISO 8601 in UTC, as S3 reads it
REQUEST_ID_PLACEHOLDER = "-"  # moto's response path writes its request id into <RequestId> (_enrich_response)


class PostRefused(Exception):
    """S3's answer to an upload it refuses: status, code, message and the error's other elements."""

    def __init__(self, status: int, code: str, message: str, **elements: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message, self.elements = status, code, message, elements

    def xml(self) -> str:
        error = ElementTree.Element("Error")
        members = {"Code": self.code, "Message": self.message, **self.elements,
                   "RequestId": REQUEST_ID_PLACEHOLDER, "HostId": S3Serializer.DEFAULT_HOST_ID}  # fmt: skip
        for name, text in members.items():
            ElementTree.SubElement(error, name).text = text
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(error, encoding="unicode")


@dataclass(frozen=True)
class FormUpload:
    """A POST upload as S3 receives it: the form's fields but the file, named as sent, and the file."""

    bucket: str
    bucket_region: str
    fields: Mapping[str, str]
    file_name: str | None  # the file part's filename, which `${filename}` in a field stands for
    file_size: int


def check(upload: FormUpload, secrets: Mapping[str, str], now: datetime) -> None:
    """Raise PostRefused with S3's answer unless S3 would store this upload; `secrets` maps access key ids to
    their secret keys."""
    fields = {name.lower(): value for name, value in upload.fields.items()}  # "post parameters are case insensitive"
    if "key" not in fields:
        raise _missing_field("key")
    version = _verify_signature(fields, upload.bucket_region, secrets)
    expiration, conditions = _read_policy(fields["policy"])
    if now >= expiration:
        raise PostRefused(403, "AccessDenied", "Invalid according to Policy: Policy expired.")
    if upload.file_name is not None:
        # "All variables within the form are expanded prior to validating the POST policy"; of a path sent as the
        # file name, only what follows the last slash or backslash counts.
        file_name = re.split(r"[/\\]", upload.file_name)[-1]
        fields = {name: value.replace("${filename}", file_name) for name, value in fields.items()}
    covered, size_ranges = _check_conditions(conditions, fields, upload.bucket)
    extra = [name for name in upload.fields if _needs_condition(name.lower(), version) and name.lower() not in covered]
    if extra:
        raise PostRefused(403, "AccessDenied", f"Invalid according to Policy: Extra input fields: {', '.join(extra)}")
    for smallest, largest in size_ranges:
        size = str(upload.file_size)
        if upload.file_size > largest:
            message = "Your proposed upload exceeds the maximum allowed size"
            raise PostRefused(400, "EntityTooLarge", message, ProposedSize=size, MaxSizeAllowed=str(largest))
        if upload.file_size < smallest:
            message = "Your proposed upload is smaller than the minimum allowed size"
            raise PostRefused(400, "EntityTooSmall", message, ProposedSize=size, MinSizeAllowed=str(smallest))


def _verify_signature(fields: Mapping[str, str], bucket_region: str, secrets: Mapping[str, str]) -> str:
    """The signature version ("v4" or "v2") of a form whose signature is the one its access key's secret gives."""
    if any(name.lower() in fields for name in SIGV4_FIELDS):
        _require(fields, (*SIGV4_FIELDS, "Policy"))
        if fields["x-amz-algorithm"] != SIGV4_ALGORITHM:
            raise _invalid_argument(
                f'X-Amz-Algorithm only supports "{SIGV4_ALGORITHM}"', "X-Amz-Algorithm", fields["x-amz-algorithm"]
            )
        credential = fields["x-amz-credential"]
        scope_parts = CREDENTIAL_FORMAT.fullmatch(credential)
        if scope_parts is None:
            raise _invalid_argument(
                'the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".',
                "X-Amz-Credential", credential,
            )  # fmt: skip
        access_key, day, region = scope_parts.groups()
        if region != bucket_region:
            # The signature is valid only in its credential's scope, which names the bucket's region.
            message = f"the region '{region}' is wrong; expecting '{bucket_region}'"
            raise _invalid_argument(message, "X-Amz-Credential", credential, Region=bucket_region)
        scope = AWSRequest()
        scope.context["timestamp"] = day  # what SigV4Auth derives the signing key's date from
        signer = SigV4Auth(Credentials(access_key, _secret_of(access_key, secrets)), "s3", region)
        _compare(signer.signature(fields["policy"], scope), fields["x-amz-signature"], access_key, fields["policy"])
        return "v4"
    if any(name.lower() in fields for name in SIGV2_FIELDS):
        _require(fields, (*SIGV2_FIELDS, "Policy"))
        access_key = fields["awsaccesskeyid"]
        expected = HmacV1Auth(Credentials(access_key, _secret_of(access_key, secrets))).sign_string(fields["policy"])
        _compare(expected, fields["signature"], access_key, fields["policy"])
        return "v2"
    raise PostRefused(403, "AccessDenied", "Access Denied")  # anonymous: only a publicly writable bucket takes it


def _require(fields: Mapping[str, str], names: tuple[str, ...]) -> None:
    for name in names:
        if name.lower() not in fields:
            raise _missing_field(name)


def _secret_of(access_key: str, secrets: Mapping[str, str]) -> str:
    if access_key not in secrets:
        message = "The AWS Access Key Id you provided does not exist in our records."
        raise PostRefused(403, "InvalidAccessKeyId", message, AWSAccessKeyId=access_key)
    return secrets[access_key]


def _compare(expected: str, provided: str, access_key: str, policy: str) -> None:
    if not hmac.compare_digest(expected.encode(), provided.encode()):
        raise PostRefused(
            403, "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. "
            "Check your key and signing method.",
            AWSAccessKeyId=access_key, StringToSign=policy, SignatureProvided=provided,
            StringToSignBytes=" ".join(f"{byte:02x}" for byte in policy.encode()),
        )  # fmt: skip


def _read_policy(encoded: str) -> tuple[datetime, list[Any]]:
    try:
        policy = json.loads(base64.b64decode(encoded, validate=True))
    except (binascii.Error, ValueError):  # not base64, not UTF-8 or not JSON
        raise _invalid_policy("Invalid JSON.") from None
    if not isinstance(policy, dict):
        raise _invalid_policy("Invalid JSON.")
    if unexpected := [name for name in policy if name not in ("expiration", "conditions")]:
        raise _invalid_policy(f"Unexpected: '{unexpected[0].lower()}'")
    if "expiration" not in policy:
        raise _invalid_policy("Policy missing expiration.")
    if "conditions" not in policy:
        raise _invalid_policy("Policy missing conditions.")
    expiration = policy["expiration"]
    if not isinstance(expiration, str) or not EXPIRATION_FORMAT.fullmatch(expiration):
        raise _invalid_policy(f"Invalid 'expiration' value: '{expiration}'")
    if not isinstance(policy["conditions"], list):
        raise _invalid_policy("Invalid 'conditions' value: must be a List.")
    return datetime.fromisoformat(expiration), policy["conditions"]


def _check_conditions(
    conditions: list[Any], fields: Mapping[str, str], bucket: str
) -> tuple[set[str], list[tuple[int, int]]]:
    """The fields the conditions cover and the file sizes they allow, once every field condition holds."""
    covered: set[str] = set()
    size_ranges = []
    for condition in conditions:
        operation, subject, operand, shown = _condition_parts(condition)
        if operation == "content-length-range":
            size_ranges.append((_size_bound(subject, shown), _size_bound(operand, shown)))
            continue
        if not subject.startswith("$"):  # a condition names its field as "$name"; any other never holds
            raise _condition_failed(shown)
        name = subject[1:].lower()
        covered.add(name)
        value = bucket if name == "bucket" else fields.get(name)
        if value is None or not _holds(operation, name, value, operand):
            raise _condition_failed(shown)
    return covered, size_ranges


def _condition_parts(condition: Any) -> tuple[str, Any, Any, list[Any]]:
    """Operation, its two operands, and the condition as S3 prints it when it fails (`{"a": "b"}` as an eq)."""
    if isinstance(condition, dict):
        if len(condition) != 1:
            raise _invalid_policy(
                "Invalid Simple-Condition: Simple-Conditions must have exactly one property specified."
            )
        ((name, value),) = condition.items()
        if not isinstance(value, str):
            raise _invalid_policy("Invalid Simple-Condition: value must be a string.")
        return "eq", f"${name}", value, ["eq", f"${name}", value]
    if not isinstance(condition, list):
        raise _invalid_policy("Invalid condition test: must be a List or Object.")
    if not condition or not isinstance(condition[0], str):
        raise _invalid_policy("Invalid Condition: missing operation identifier.")
    operation = condition[0].lower()
    if operation not in ("eq", "starts-with", "content-length-range"):
        raise _invalid_policy(f"Invalid Condition: unknown operation '{condition[0]}'.")
    if len(condition) != 3:
        raise _invalid_policy(f"Invalid {condition[0]}: wrong number of arguments.")
    if operation != "content-length-range" and not all(isinstance(operand, str) for operand in condition[1:]):
        raise _invalid_policy("Invalid JSON.")
    return operation, condition[1], condition[2], condition


def _holds(operation: str, name: str, value: str, operand: str) -> bool:
    if operation == "eq":
        return value == operand
    # "Content-Types values for a starts-with condition that include commas are interpreted as lists. Each value
    # in the list must meet the condition"; any other field's value is one string, commas and all.
    values = value.split(",") if name == "content-type" else [value]
    return all(each.startswith(operand) for each in values)


def _size_bound(bound: Any, condition: list[Any]) -> int:
    if isinstance(bound, str) and bound.isdecimal():
        return int(bound)  # S3 takes "10" as 10
    if isinstance(bound, int) and not isinstance(bound, bool) and bound >= 0:
        return bound
    raise _condition_failed(condition)


def _needs_condition(name: str, version: str) -> bool:
    return name not in UNCONDITIONED[version] and not name.startswith(IGNORED_PREFIX)


def _invalid_argument(message: str, name: str, value: str = "", **elements: str) -> PostRefused:
    return PostRefused(400, "InvalidArgument", message, ArgumentName=name, ArgumentValue=value, **elements)


def _missing_field(name: str) -> PostRefused:
    return _invalid_argument(
        f"Bucket POST must contain a field named '{name}'.  If it is specified, please check the order of the fields.",
        name,
    )


def _invalid_policy(reason: str) -> PostRefused:
    return PostRefused(400, "InvalidPolicyDocument", f"Invalid Policy: {reason}")


def _condition_failed(condition: list[Any]) -> PostRefused:
    shown = json.dumps(condition, ensure_ascii=False)
    return PostRefused(403, "AccessDenied", f"Invalid according to Policy: Policy Condition failed: {shown}")


# moto's side: the POST to a bucket URL, a form upload unless it is a DeleteObjects (`?delete`).

_original_bucket_post = S3Response._bucket_response_post
_secrets: dict[str, str] = {}


def apply(secrets: Mapping[str, str]) -> None:
    """From now on moto stores a form upload only if S3 would, checking signatures with these secrets (access key
    id → secret key)."""
    _secrets.clear()
    _secrets.update(secrets)
    S3Response._bucket_response_post = _bucket_post_under_policy  # type: ignore[method-assign, assignment]


def revert() -> None:
    S3Response._bucket_response_post = _original_bucket_post  # type: ignore[method-assign]
    _secrets.clear()


def _bucket_post_under_policy(response: S3Response, request: Request, bucket_name: str) -> TYPE_RESPONSE:
    if "delete" not in request.args:
        try:
            check(_form_upload(response, request, bucket_name), _secrets, datetime.now(UTC))
        except PostRefused as refused:
            return refused.status, {"Content-Type": "application/xml"}, refused.xml()
    return _original_bucket_post(response, request, bucket_name)


def _form_upload(response: S3Response, request: Request, bucket_name: str) -> FormUpload:
    """The upload as moto has parsed it (BaseResponse.setup_class): fields in `request.form`, the file in
    `request.files` (a part with a filename) or in the form (one without), a file part's bytes in `raw_body`."""
    if request.mimetype != "multipart/form-data":
        raise PostRefused(
            412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold",
            Condition="Bucket POST must be of the enclosure-type multipart/form-data",
        )  # fmt: skip
    bucket = response.backend.get_bucket(bucket_name)  # moto's NoSuchBucket, as S3 answers first
    file_parts, file_fields = request.files.getlist("file"), request.form.getlist("file")
    if len(file_parts) + len(file_fields) != 1:
        count = str(len(file_parts) + len(file_fields))
        raise _invalid_argument("POST requires exactly one file upload per request.", "file", count)
    # "If you have multiple fields with the same name, the values must be separated by commas" (in the policy)
    fields = {name: ",".join(request.form.getlist(name)) for name in request.form if name != "file"}
    return FormUpload(
        bucket=bucket_name,
        bucket_region=bucket.region_name,
        fields=fields,
        file_name=file_parts[0].filename if file_parts else None,
        file_size=len(response.raw_body) if file_parts else len(file_fields[0].encode()),
    )
