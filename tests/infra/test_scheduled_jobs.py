"""Scheduled functions: one EventBridge rule per catalog entry, on its schedule, invoking its function only."""

from typing import Any

import pytest

from infra.constructs.scheduled_job import ScheduledJob
from shared.catalog import SCHEDULED_FUNCTIONS, ScheduledFunction
from shared.constants import physical_name
from tests.infra.conftest import STAGE, SynthesizedApp, logical_id, resources_of_type

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def template(synthesized: SynthesizedApp) -> dict[str, Any]:
    return synthesized.template(synthesized.api)


@pytest.fixture(scope="module")
def jobs(synthesized: SynthesizedApp) -> dict[str, ScheduledJob]:
    return {job.entry.name: job for job in synthesized.api.scheduled_jobs}


def test_one_rule_per_scheduled_function(template: dict[str, Any], jobs: dict[str, ScheduledJob]) -> None:
    assert sorted(jobs) == sorted(entry.name for entry in SCHEDULED_FUNCTIONS)
    assert sorted(resources_of_type(template, "AWS::Events::Rule")) == sorted(
        logical_id(job.rule) for job in jobs.values()
    )


@pytest.mark.parametrize("entry", SCHEDULED_FUNCTIONS, ids=lambda e: e.name)
def test_rule_runs_the_function_on_its_schedule(
    template: dict[str, Any], jobs: dict[str, ScheduledJob], entry: ScheduledFunction
) -> None:
    job = jobs[entry.name]
    properties = template["Resources"][logical_id(job.rule)]["Properties"]

    assert properties["Name"] == physical_name(STAGE, entry.name)  # as the local cloud names it
    assert properties["ScheduleExpression"] == entry.schedule
    assert properties["State"] == "ENABLED"
    assert [target["Arn"] for target in properties["Targets"]] == [{"Fn::GetAtt": [logical_id(job.function), "Arn"]}]


def test_janitor_runs_every_ten_minutes() -> None:
    (janitor,) = [entry for entry in SCHEDULED_FUNCTIONS if entry.name == "job_janitor"]

    assert janitor.schedule == "rate(10 minutes)"


@pytest.mark.parametrize("entry", SCHEDULED_FUNCTIONS, ids=lambda e: e.name)
def test_only_its_rule_may_invoke_the_function(
    template: dict[str, Any], jobs: dict[str, ScheduledJob], entry: ScheduledFunction
) -> None:
    job = jobs[entry.name]
    invokers = [
        p["Properties"]
        for p in resources_of_type(template, "AWS::Lambda::Permission").values()
        if p["Properties"]["FunctionName"] == {"Fn::GetAtt": [logical_id(job.function), "Arn"]}
    ]

    assert [(p["Principal"], p["SourceArn"]) for p in invokers] == [
        ("events.amazonaws.com", {"Fn::GetAtt": [logical_id(job.rule), "Arn"]})
    ]
