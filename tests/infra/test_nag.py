"""cdk-nag: the real app passes the AwsSolutions pack, and the same wiring fails a synth that breaks a rule.

cdk-nag 3 runs as a CDK policy-validation plugin: an unacknowledged finding makes `synth()` raise and
writes `validation-report.json`; with `annotationsInValidationReport` CDK's own warnings land there too.
"""

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3

from infra.nag import acknowledge, add_aws_solutions_checks
from tests.infra.conftest import SynthesizedApp, build_stacks

pytestmark = pytest.mark.slow

VALIDATION_FAILED = "ValidationFailed"


def _violations(report_dir: str) -> dict[str, set[str]]:
    """Rule id -> paths of the constructs breaking it, from the validation report of a failed synth."""
    report: dict[str, Any] = json.loads((Path(report_dir) / "validation-report.json").read_text())
    return {
        violation["ruleName"]: {construct["constructPath"] for construct in violation["violatingConstructs"]}
        for plugin in report["pluginReports"]
        for violation in plugin["violations"]
    }


def test_real_app_has_no_unacknowledged_findings(synthesized: SynthesizedApp) -> None:
    """The session synth succeeded, so nothing failed; check that no warning was left behind either."""
    # When the synthesized app's validation report and its stacks' messages are read
    # Then cdk-nag reported nothing, and no warning or error was left behind
    assert synthesized.validation_report()["pluginReports"] == []
    leftovers = [
        (stack.stack_name, message.entry.type, message.entry.data)
        for stack in synthesized.assembly.stacks
        for message in stack.messages
        if message.entry.type in {"aws:cdk:warning", "aws:cdk:error"}
    ]
    assert leftovers == []


def _acknowledged(synthesized: SynthesizedApp, stack: cdk.Stack) -> dict[str, set[str]]:
    """Acknowledged rule -> the construct paths it was acknowledged on."""
    metadata = json.loads((synthesized.directory / f"{stack.stack_name}.metadata.json").read_text())
    acknowledged: dict[str, set[str]] = {}
    for path, entries in metadata.items():
        for entry in entries:
            if entry["type"] == cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                for rule in entry["data"]:
                    acknowledged.setdefault(rule.removeprefix("Annotation::AwsSolutions-"), set()).add(path)
    return acknowledged


def test_acknowledgements_are_recorded_in_the_assembly(synthesized: SynthesizedApp) -> None:
    # When the API stack's acknowledged rules are read from the assembly
    acknowledged = _acknowledged(synthesized, synthesized.api)

    # Then the ones it acknowledges are recorded there
    assert {"APIG3", "APIG4", "L1"} <= acknowledged.keys()


def test_no_ses_wildcard_is_acknowledged(synthesized: SynthesizedApp) -> None:
    """Sending is granted on named identities only (infra/constructs/email_identity.py): nothing to acknowledge."""
    # When the API stack's acknowledged rules are read, Then none names an SES wildcard
    acknowledged = _acknowledged(synthesized, synthesized.api)

    assert not [rule for rule in acknowledged if ":ses:" in rule]


def test_storage_acknowledges_only_the_log_bucket_and_the_notifications_role(synthesized: SynthesizedApp) -> None:
    # When the storage stack's acknowledged rules are read
    acknowledged = _acknowledged(synthesized, synthesized.storage)
    stack = synthesized.storage.stack_name

    # Then they are the access-log bucket's own logging and the notifications role's managed policy, and no other
    assert acknowledged == {
        "S1": {f"/{stack}/Media/AccessLogsBucket"},
        "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]": {
            f"/{stack}/Media/NotificationsHandlerRole"
        },
    }


def test_the_real_app_fails_synth_when_a_rule_is_broken() -> None:
    # Given the real app's stacks, with a bucket that enforces no TLS and keeps no access logs added to one
    app, data, _, _ = build_stacks()
    s3.Bucket(data, "BucketWithoutTls")  # no enforce_ssl, no access logs

    # When it is synthesized, Then the synth fails and the findings are that bucket's, TLS among them
    with pytest.raises(RuntimeError, match=VALIDATION_FAILED):
        app.synth()

    violations = _violations(app.outdir)
    assert "AwsSolutions-S10" in violations
    assert {path for paths in violations.values() for path in paths} == {f"{data.stack_name}/BucketWithoutTls/Resource"}


def test_an_acknowledged_finding_does_not_fail_synth() -> None:
    # Given an app with the checks, whose bucket without access logs is acknowledged with a reason
    app = cdk.App()
    stack = cdk.Stack(app, "Throwaway")
    bucket = s3.Bucket(stack, "Bucket", enforce_ssl=True)
    acknowledge(bucket, "S1", "test bucket, no access logs needed")
    add_aws_solutions_checks(app)

    # When it is synthesized, Then it succeeds
    assert app.synth().get_stack_by_name("Throwaway").template["Resources"]


def test_sqs3_is_acknowledged_only_on_the_stream_and_scheduled_dead_letter_queues(synthesized: SynthesizedApp) -> None:
    """They are the mappings' and the scheduled targets' on-failure destinations: dead-letter queues that no redrive
    policy points at."""
    # When the stacks' acknowledgements of SQS3 (a queue without a dead-letter queue) are read
    acknowledged = _acknowledged(synthesized, synthesized.api)
    stack = synthesized.api.stack_name

    # Then they are on the dead-letter queues of the stream consumers and the scheduled jobs only
    assert acknowledged["SQS3"] == {
        f"/{stack}/{function.node.id}/DeadLetterQueue"
        for function in (*synthesized.api.stream_consumers, *synthesized.api.scheduled_jobs)
    }
    assert "SQS3" not in _acknowledged(synthesized, synthesized.storage)


def test_l1_is_acknowledged_on_each_zip_function_and_not_on_the_image_function(synthesized: SynthesizedApp) -> None:
    """An image function declares no runtime, so the pinned-runtime acknowledgement would not be true there."""
    # When the API stack's acknowledgements of L1 (the latest runtime) are read
    acknowledged = _acknowledged(synthesized, synthesized.api)
    stack = synthesized.api.stack_name

    # Then they are on each zip function and on no image function, of which there is one at least
    assert acknowledged["L1"] == {
        f"/{stack}/{function.node.path.split('/', 1)[1]}/Function"
        for function in synthesized.api.functions
        if not function.package.is_image
    }
    assert any(function.package.is_image for function in synthesized.api.functions)


def test_wildcard_resources_are_acknowledged_on_each_function_role_and_on_the_speech_policy_only(
    synthesized: SynthesizedApp,
) -> None:
    """Resource '*' is X-Ray's on every function role; Polly's sits in a policy of its own, acknowledged there alone."""
    # When the API stack's acknowledgements of a wildcard resource are read
    acknowledged = _acknowledged(synthesized, synthesized.api)
    stack = synthesized.api.stack_name
    (speaker,) = [handler for handler in synthesized.api.handlers if handler.entry.synthesizes_speech]
    assert speaker.speech_synthesis_policy is not None

    # Then they are on each function's role, and on the speech synthesis policy of the function that speaks
    assert acknowledged["IAM5[Resource::*]"] == {
        *(f"/{stack}/{function.node.path.split('/', 1)[1]}/Role" for function in synthesized.api.functions),
        f"/{speaker.speech_synthesis_policy.node.path}",
    }


def test_upload_prefixes_are_acknowledged_on_the_role_of_their_worker_only(synthesized: SynthesizedApp) -> None:
    # When the API stack's acknowledgements of the upload prefixes' wildcards are read
    acknowledged = _acknowledged(synthesized, synthesized.api)
    stack = synthesized.api.stack_name

    # Then each prefix is acknowledged on its worker's role and on the account-jobs worker's, which deletes uploads
    for worker in synthesized.api.upload_workers:
        rule = f"IAM5[Resource::arn:<AWS::Partition>:s3:::kotoba-dev-media-bucket-name/{worker.spec.upload_prefix}*]"
        # and the account-jobs worker, which deletes a learner's uploads with the account
        erasers = {
            f"/{stack}/{job.node.id}/Role"
            for job in synthesized.api.job_workers
            if worker.spec.upload_prefix in job.entry.media
        }
        assert acknowledged[rule] == {f"/{stack}/{worker.node.id}/Role"} | erasers
        assert erasers == {f"/{stack}/AccountJobs/Role"}
