"""The local cloud's IAM decision: default deny, Allow statements, IAM's wildcards and the String condition
operators, as IAM evaluates an identity-based policy."""

import pytest

from localcloud.iam.evaluation import Authorization, CompiledPolicy
from shared.iam_policy import Statement

TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/kotoba-local-users"
BUCKET = "arn:aws:s3:::kotoba-local-media"
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:kotoba-local-cursor-key-??????"


def allows(statements: list[Statement], action: str, resource: str, **context: str) -> bool:
    return CompiledPolicy(statements).allows(Authorization(action, resource, context))


def test_nothing_is_allowed_without_a_statement() -> None:
    assert not allows([], "dynamodb:GetItem", TABLE)


def test_an_allowed_action_on_its_resource_only() -> None:
    # Given a role that may read one table
    role = [Statement(("dynamodb:GetItem", "dynamodb:Query"), (TABLE,))]

    # Then it may read that table, and nothing else of it or beside it
    assert allows(role, "dynamodb:GetItem", TABLE)
    assert allows(role, "DynamoDB:getitem", TABLE)  # action names are case-insensitive
    assert not allows(role, "dynamodb:PutItem", TABLE)
    assert not allows(role, "dynamodb:GetItem", f"{TABLE}/index/by_email")  # an index is a resource of its own
    assert not allows(role, "dynamodb:GetItem", TABLE.replace("users", "progress"))
    assert not allows(role, "dynamodb:GetItem", TABLE.upper())  # resources are case-sensitive


def test_a_star_spans_slashes_and_colons_and_a_question_mark_is_one_character() -> None:
    # Given object actions under a prefix, and a secret named with Secrets Manager's six-character suffix
    role = [
        Statement(("s3:GetObject",), (f"{BUCKET}/tts/*",)),
        Statement(("secretsmanager:GetSecretValue",), (SECRET,)),
    ]

    # Then the star takes any depth of key, and each ? exactly one character
    assert allows(role, "s3:GetObject", f"{BUCKET}/tts/ab/cd:ef.wav")
    assert not allows(role, "s3:GetObject", f"{BUCKET}/exports/tts/a.wav")
    secret = SECRET.removesuffix("??????")
    assert allows(role, "secretsmanager:GetSecretValue", f"{secret}AbC123")
    assert not allows(role, "secretsmanager:GetSecretValue", f"{secret}AbC12")
    assert not allows(role, "secretsmanager:GetSecretValue", f"{secret}AbC1234")


def test_a_wildcard_action() -> None:
    role = [Statement(("s3:Get*",), ("*",))]

    assert allows(role, "s3:GetObject", f"{BUCKET}/a")
    assert allows(role, "s3:getobjecttagging", f"{BUCKET}/a")
    assert not allows(role, "s3:PutObject", f"{BUCKET}/a")


def test_string_like_needs_the_key_and_a_matching_value() -> None:
    # Given ListBucket limited to the TTS cache's prefix
    role = [Statement(("s3:ListBucket",), (BUCKET,), {"StringLike": {"s3:prefix": ["tts/*", "exports/*"]}})]

    # Then a listing of a key under either prefix is allowed, any other or none is not
    assert allows(role, "s3:ListBucket", BUCKET, **{"s3:prefix": "tts/abc.wav"})
    assert allows(role, "s3:ListBucket", BUCKET, **{"s3:prefix": "exports/u1/x.json"})
    assert not allows(role, "s3:ListBucket", BUCKET, **{"s3:prefix": "uploads/ocr/u1/a.jpg"})
    assert not allows(role, "s3:ListBucket", BUCKET)  # a condition on a key the request lacks does not hold


def test_string_equals_with_keys_compared_case_insensitively() -> None:
    role = [Statement(("ses:SendEmail",), ("*",), {"StringEquals": {"ses:FromAddress": "no-reply@kotoba.local"}})]

    assert allows(role, "ses:SendEmail", "*", **{"ses:fromaddress": "no-reply@kotoba.local"})
    assert not allows(role, "ses:SendEmail", "*", **{"ses:fromaddress": "No-Reply@kotoba.local"})  # values are not


def test_every_condition_must_hold() -> None:
    # Given two operators in one statement
    role = [
        Statement(
            ("polly:SynthesizeSpeech",),
            ("*",),
            {"StringEquals": {"aws:RequestedRegion": "us-east-1"}, "StringNotLike": {"polly:Voice": "T*"}},
        )
    ]

    # Then both must hold
    assert allows(role, "polly:SynthesizeSpeech", "*", **{"aws:requestedregion": "us-east-1", "polly:voice": "Kazuha"})
    assert not allows(role, "polly:SynthesizeSpeech", "*", **{"aws:requestedregion": "eu-west-1"})
    assert not allows(
        role, "polly:SynthesizeSpeech", "*", **{"aws:requestedregion": "us-east-1", "polly:voice": "Tomoko"}
    )


def test_a_missing_key_holds_only_for_if_exists_and_negated_operators() -> None:
    def decide(operator: str) -> bool:
        return allows(
            [Statement(("sqs:SendMessage",), ("*",), {operator: {"aws:SourceVpc": "vpc-1"}})], "sqs:SendMessage", "*"
        )

    assert [decide(op) for op in ("StringEquals", "StringEqualsIfExists", "StringNotEquals", "StringLike")] == [
        False,
        True,
        True,
        False,
    ]


def test_ignore_case_operators() -> None:
    role = [Statement(("ses:SendEmail",), ("*",), {"StringEqualsIgnoreCase": {"ses:FromAddress": "No-Reply@X.org"}})]

    assert allows(role, "ses:SendEmail", "*", **{"ses:fromaddress": "no-reply@x.org"})


def test_an_operator_the_gate_does_not_model_is_refused_when_compiled() -> None:
    """Never ignored: an unknown condition would silently allow what the deployed policy refuses."""
    with pytest.raises(ValueError, match="NumericLessThan"):
        CompiledPolicy([Statement(("s3:ListBucket",), ("*",), {"NumericLessThan": {"s3:max-keys": "10"}})])
    with pytest.raises(ValueError, match="ForAnyValue:StringEquals"):
        CompiledPolicy([Statement(("s3:ListBucket",), ("*",), {"ForAnyValue:StringEquals": {"aws:TagKeys": "a"}})])


def test_any_statement_may_allow() -> None:
    role = [Statement(("dynamodb:GetItem",), (TABLE,)), Statement(("dynamodb:PutItem",), (TABLE,))]

    assert allows(role, "dynamodb:GetItem", TABLE) and allows(role, "dynamodb:PutItem", TABLE)
