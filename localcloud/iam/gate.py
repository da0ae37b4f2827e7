"""The emulator's IAM gate: WSGI middleware in front of moto that lets a function's request through only if its role
(shared/iam_policy.py, the statements CDK deploys) allows every action on every resource it needs.

- The tooling key (localcloud/identity.py) is unrestricted: provisioning, snapshots, tests' fixtures.
- A function's key (`local-<name>`) gets its role's statements, compiled once per identity.
- Any other caller, or none, is refused: an identity the catalog does not know has no policy.
A refusal answers as the service would (status, error code, body shape), names the identity, the action and the
resource, and is logged as one line. S3 answers a read of a missing key with 404 only to a caller allowed to list
that key's prefix, and with 403 to anyone else: the gate turns moto's 404 into that 403.

What it does not model: resource policies (bucket and queue policies, key policies), KMS, service control policies,
permission boundaries, session policies, and signatures (any secret is accepted).
"""

import json
import sys
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final
from xml.sax.saxutils import escape

from moto.secretsmanager.models import secretsmanager_backends
from moto.ses.models import ses_backends

from localcloud.iam.evaluation import Authorization, CompiledPolicy
from localcloud.iam.requests import (
    REQUESTED_REGION,
    Caller,
    HttpRequest,
    RequestedAccess,
    ResourceLookup,
    caller_of,
    requested_access,
)
from localcloud.identity import TOOLING_ACCESS_KEY, function_of
from shared.iam_policy import Statement

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

IAM_DENIAL_LOG_PREFIX: Final = "IAM denied "
EMULATOR_PATHS: Final = ("/moto-api",)  # the emulator's own API (state, reset): not AWS, no IAM
DYNAMODB_ERROR_TYPE: Final = "com.amazonaws.dynamodb.v20120810#AccessDeniedException"

Response = tuple[str, list[tuple[str, str]], bytes]


def _print_line(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class MotoResources:
    """Names resolved against what the emulator holds (moto's backends live in this process)."""

    def __init__(self, account: str) -> None:
        self._account = account

    def secret_arn(self, region: str, secret_id: str) -> str | None:
        secret = secretsmanager_backends[self._account][region].secrets.get(secret_id)
        return None if secret is None else str(secret.arn)

    def sending_identity(self, region: str, address: str) -> str:
        verified = ses_backends[self._account][region].email_identities
        domain = address.rsplit("@", 1)[-1]
        return domain if address not in verified and domain in verified else address


class IamGate:
    """WSGI middleware: each request through to `app` only if the caller's role (`roles`, by function) allows it."""

    def __init__(
        self,
        app: "WSGIApplication",
        roles: Mapping[str, Sequence[Statement]],
        *,
        account: str,
        region: str,
        resources: ResourceLookup,
        log: Callable[[str], None] = _print_line,
    ) -> None:
        self._app = app
        self._roles = roles
        self._account = account
        self._region = region
        self._resources = resources
        self._log = log
        self._policies: dict[str, CompiledPolicy] = {}
        self._compiling = threading.Lock()

    def __call__(self, environ: "WSGIEnvironment", start_response: "StartResponse") -> Iterable[bytes]:
        if str(environ.get("PATH_INFO", "")).startswith(EMULATOR_PATHS):
            return self._app(environ, start_response)
        request = HttpRequest(environ)
        caller = caller_of(request)
        if caller is not None and caller.access_key == TOOLING_ACCESS_KEY:
            return self._app(environ, start_response)
        access = requested_access(
            request, caller, account=self._account, default_region=self._region, lookup=self._resources
        )
        policy = self._policy(caller)
        for authorization in access.authorizations:
            if policy is None or not policy.allows(authorization):
                return self._refuse(start_response, access, authorization, caller)
        if access.if_missing is not None and (policy is None or not policy.allows(access.if_missing)):
            return self._missing_as_refused(environ, start_response, access, access.if_missing, caller)
        return self._app(environ, start_response)

    def _policy(self, caller: Caller | None) -> CompiledPolicy | None:
        function = function_of(caller.access_key) if caller else None
        if function is None or function not in self._roles:
            return None
        if function not in self._policies:
            with self._compiling:
                self._policies.setdefault(function, CompiledPolicy(self._roles[function]))
        return self._policies[function]

    def _refuse(
        self,
        start_response: "StartResponse",
        access: RequestedAccess,
        refused: Authorization,
        caller: Caller | None,
    ) -> Iterable[bytes]:
        status, headers, body = refusal(access, self._denial_message(refused, caller))
        keys = "".join(f" {key}={value}" for key, value in refused.context.items() if key != REQUESTED_REGION)
        self._log(f"{IAM_DENIAL_LOG_PREFIX}{self._principal(caller)}: {refused.action} on {refused.resource}{keys}")
        start_response(status, headers)
        return [body]

    def _missing_as_refused(
        self,
        environ: "WSGIEnvironment",
        start_response: "StartResponse",
        access: RequestedAccess,
        listing: Authorization,
        caller: Caller | None,
    ) -> Iterable[bytes]:
        """Pass the read on, but answer its 404 as S3 answers a caller that may not list the key's prefix."""
        answered: list[tuple[str, list[tuple[str, str]], Any]] = []

        def hold(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], object]:
            answered.append((status, headers, exc_info))
            return lambda _: None

        body = self._app(environ, hold)
        if not answered:  # an application that answers only once iterated (moto answers at once)
            body = [b"".join(body)]
        status, headers, exc_info = answered[0]
        if not status.startswith("404"):
            start_response(status, headers, exc_info)
            return body
        if hasattr(body, "close"):
            body.close()
        return self._refuse(start_response, access, listing, caller)

    def _principal(self, caller: Caller | None) -> str:
        if caller is None:
            return "an unsigned request"
        function = function_of(caller.access_key)
        if function is None or function not in self._roles:
            return f"{caller.access_key} (no function of the catalog)"
        return f"{caller.access_key} ({function})"

    def _denial_message(self, refused: Authorization, caller: Caller | None) -> str:
        function = function_of(caller.access_key) if caller else None
        if caller is None:
            who, why = "anonymous", "the request is not signed"
        elif function is None or function not in self._roles:
            who, why = caller.access_key, f"{caller.access_key} is no function of shared/catalog.py"
        else:
            who = f"arn:aws:sts::{self._account}:assumed-role/{function}/{caller.access_key}"
            why = f"no identity-based policy allows the {refused.action} action"
        return (
            f"User: {who} is not authorized to perform: {refused.action} on resource: {refused.resource} because {why}"
        )


def refusal(access: RequestedAccess, message: str) -> Response:
    """The AccessDenied answer of the request's service, in its API's shape."""
    request_id = str(uuid.uuid4())
    if access.style == "json":
        headers = [("Content-Type", "application/x-amz-json-1.0"), ("x-amzn-RequestId", request_id)]
        if access.service == "dynamodb":
            return "400 Bad Request", headers, _json({"__type": DYNAMODB_ERROR_TYPE, "Message": message})
        if access.service == "sqs":  # the JSON protocol of a query-era API: the code travels in a header
            headers.append(("x-amzn-query-error", "AccessDenied;Sender"))
        return "400 Bad Request", headers, _json({"__type": "AccessDeniedException", "message": message})
    if access.style == "query":
        body = (
            f'<ErrorResponse xmlns="http://{access.service}.amazonaws.com/doc/"><Error><Type>Sender</Type>'
            f"<Code>AccessDenied</Code><Message>{escape(message)}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
        return "403 Forbidden", [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)], body
    if access.style == "rest-xml":
        body = (
            b""
            if access.head  # a HEAD answer has no body: S3's clients read the status alone
            else (
                '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
                f"<Message>{escape(message)}</Message><RequestId>{request_id}</RequestId></Error>"
            ).encode()
        )
        return "403 Forbidden", [("Content-Type", "application/xml"), ("x-amz-request-id", request_id)], body
    headers = [
        ("Content-Type", "application/json"),
        ("x-amzn-RequestId", request_id),
        ("x-amzn-ErrorType", "AccessDeniedException"),
    ]
    return "403 Forbidden", headers, _json({"message": message})


def _json(document: dict[str, str]) -> bytes:
    return json.dumps(document).encode()
