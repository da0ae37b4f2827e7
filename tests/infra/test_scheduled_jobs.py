"""Scheduled functions: one EventBridge rule per catalog entry, on its schedule, invoking its function only."""

from typing import Any

import pytest

from infra.constructs import scheduled_job
from infra.constructs.scheduled_job import ScheduledJob
from shared.catalog import SCHEDULED_FUNCTIONS, ScheduledFunction
from shared.constants import dead_letter_queue_name, physical_name
from tests.infra.conftest import STAGE, SynthesizedApp, logical_id, resources_of_type

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def template(synthesized: SynthesizedApp) -> dict[str, Any]:
    return synthesized.template(synthesized.api)


@pytest.fixture(scope="module")
def jobs(synthesized: SynthesizedApp) -> dict[str, ScheduledJob]:
    return {job.entry.name: job for job in synthesized.api.scheduled_jobs}


def test_one_rule_per_scheduled_function(template: dict[str, Any], jobs: dict[str, ScheduledJob]) -> None:
    # When the scheduled jobs and the stack's EventBridge rules are listed
    # Then there is one job per scheduled function in the catalog, and one rule per job
    assert sorted(jobs) == sorted(entry.name for entry in SCHEDULED_FUNCTIONS)
    assert sorted(resources_of_type(template, "AWS::Events::Rule")) == sorted(
        logical_id(job.rule) for job in jobs.values()
    )


@pytest.mark.parametrize("entry", SCHEDULED_FUNCTIONS, ids=lambda e: e.name)
def test_rule_runs_the_function_on_its_schedule(
    template: dict[str, Any], jobs: dict[str, ScheduledJob], entry: ScheduledFunction
) -> None:
    # When the function's rule is read
    job = jobs[entry.name]
    properties = template["Resources"][logical_id(job.rule)]["Properties"]

    # Then it is named as the local cloud names it, enabled, on the catalog's schedule, targeting the function alone
    assert properties["Name"] == physical_name(STAGE, entry.name)  # as the local cloud names it
    assert properties["ScheduleExpression"] == entry.schedule
    assert properties["State"] == "ENABLED"
    assert [target["Arn"] for target in properties["Targets"]] == [{"Fn::GetAtt": [logical_id(job.function), "Arn"]}]


def test_janitor_runs_every_ten_minutes() -> None:
    # When the job janitor's catalog entry is read, Then it runs every ten minutes
    (janitor,) = [entry for entry in SCHEDULED_FUNCTIONS if entry.name == "job_janitor"]

    assert janitor.schedule == "rate(10 minutes)"


def test_the_streak_check_and_the_reminders_each_have_their_own_rule_every_quarter_hour(
    template: dict[str, Any], jobs: dict[str, ScheduledJob]
) -> None:
    """A learner's day ends on the hour, or on the half or quarter hour (India, Nepal): every quarter hour catches
    each within 15 minutes, and a reminder set for 07:45 at 07:45."""
    # When the streak check's and the reminders' rules are read
    rules = {
        name: template["Resources"][logical_id(jobs[name].rule)]["Properties"]["ScheduleExpression"]
        for name in ("streak_check", "study_reminders")
    }

    # Then each has its own, every 15 minutes
    assert rules == {"streak_check": "rate(15 minutes)", "study_reminders": "rate(15 minutes)"}


@pytest.mark.parametrize("entry", SCHEDULED_FUNCTIONS, ids=lambda e: e.name)
def test_only_its_rule_may_invoke_the_function(
    template: dict[str, Any], jobs: dict[str, ScheduledJob], entry: ScheduledFunction
) -> None:
    # When the permissions to invoke the function are read
    job = jobs[entry.name]
    invokers = [
        p["Properties"]
        for p in resources_of_type(template, "AWS::Lambda::Permission").values()
        if p["Properties"]["FunctionName"] == {"Fn::GetAtt": [logical_id(job.function), "Arn"]}
    ]

    # Then there is one, for EventBridge, from the function's own rule
    assert [(p["Principal"], p["SourceArn"]) for p in invokers] == [
        ("events.amazonaws.com", {"Fn::GetAtt": [logical_id(job.rule), "Arn"]})
    ]


@pytest.mark.parametrize("entry", SCHEDULED_FUNCTIONS, ids=lambda e: e.name)
def test_every_target_has_its_jobs_encrypted_dead_letter_queue_and_a_retry_policy(
    template: dict[str, Any], jobs: dict[str, ScheduledJob], entry: ScheduledFunction
) -> None:
    # Given the function's rule target and its dead-letter queue
    job = jobs[entry.name]
    queue_id = logical_id(job.dead_letter_queue)
    queue = template["Resources"][queue_id]["Properties"]
    (target,) = template["Resources"][logical_id(job.rule)]["Properties"]["Targets"]

    # Then the target sends to that queue after two retries within five minutes, and the queue is named and encrypted
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [queue_id, "Arn"]}}
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 300}
    assert (scheduled_job.RETRY_ATTEMPTS, scheduled_job.MAX_EVENT_AGE.to_seconds()) == (2, 300)
    assert queue["QueueName"] == dead_letter_queue_name(STAGE, entry.name)
    assert queue["SqsManagedSseEnabled"] is True


def test_every_events_target_of_every_stage_has_a_dead_letter_queue(
    synthesized: SynthesizedApp, synthesized_prod: SynthesizedApp
) -> None:
    # When every EventBridge rule target of dev's and prod's stacks is read
    # Then each has a dead-letter queue and a retry policy
    for app in (synthesized, synthesized_prod):
        for stack in (app.data, app.storage, app.api):
            for rule in resources_of_type(app.template(stack), "AWS::Events::Rule").values():
                for target in rule["Properties"]["Targets"]:
                    assert "DeadLetterConfig" in target
                    assert "RetryPolicy" in target


@pytest.mark.parametrize("entry", SCHEDULED_FUNCTIONS, ids=lambda e: e.name)
def test_only_its_rule_may_send_to_the_dead_letter_queue_and_failed_invocations_land_there_too(
    template: dict[str, Any], jobs: dict[str, ScheduledJob], entry: ScheduledFunction
) -> None:
    # Given the function's dead-letter queue policy and its asynchronous invocation settings
    job = jobs[entry.name]
    queue_id = logical_id(job.dead_letter_queue)
    (policy,) = [
        p["Properties"]
        for p in resources_of_type(template, "AWS::SQS::QueuePolicy").values()
        if p["Properties"]["Queues"] == [{"Ref": queue_id}]
    ]
    (events_statement,) = [
        s for s in policy["PolicyDocument"]["Statement"] if s.get("Principal") == {"Service": "events.amazonaws.com"}
    ]
    (invoke_config,) = [
        c["Properties"]
        for c in resources_of_type(template, "AWS::Lambda::EventInvokeConfig").values()
        if c["Properties"]["FunctionName"] == {"Ref": logical_id(job.function)}
    ]

    # Then only the function's rule may send to the queue, and its failed invocations, after two retries within five
    # minutes, land in the same queue
    assert events_statement["Action"] == "sqs:SendMessage"
    assert events_statement["Condition"] == {
        "ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": [logical_id(job.rule), "Arn"]}}
    }
    assert invoke_config["DestinationConfig"] == {"OnFailure": {"Destination": {"Fn::GetAtt": [queue_id, "Arn"]}}}
    assert (invoke_config["MaximumRetryAttempts"], invoke_config["MaximumEventAgeInSeconds"]) == (2, 300)
