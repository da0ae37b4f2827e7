"""Per-stage configuration (infra/stage_config.py): the figures of dev and prod, and that the templates follow them."""

from typing import Any

import pytest
from aws_cdk import aws_logs as logs

from infra.stage_config import DEV, PROD, FunctionSize, StageConfig, stage_config
from shared.catalog import QUEUES
from tests.infra.conftest import PROD_STAGE, STAGE, SynthesizedApp, logical_id, resources_of_type

pytestmark = pytest.mark.slow

# 1M learners x 100 reviews a day is ~1.2k requests/s on average; prod is throttled at its 5k/s peak.
PROD_THROTTLE = (5000, 10000)
DEV_THROTTLE = (50, 100)


def test_prod_and_dev_are_chosen_by_stage_and_any_other_stage_is_built_like_dev() -> None:
    # When the configuration of prod, dev and another stage is chosen, Then prod gets prod's and the others dev's
    assert stage_config(PROD_STAGE) is PROD
    assert stage_config(STAGE) is DEV
    assert stage_config("staging-2") is DEV


def test_the_figures_per_stage() -> None:
    # When dev's and prod's configurations are read, Then they differ as designed: throttles, log retention, worker
    # concurrency, WAF, table protection and API docs
    assert (DEV.api_throttle_rate_rps, DEV.api_throttle_burst) == DEV_THROTTLE
    assert (PROD.api_throttle_rate_rps, PROD.api_throttle_burst) == PROD_THROTTLE
    assert (DEV.log_retention, PROD.log_retention) == (logs.RetentionDays.TWO_WEEKS, logs.RetentionDays.THREE_MONTHS)
    assert (DEV.worker_reserved_concurrency, PROD.worker_reserved_concurrency) == (None, 50)
    assert (DEV.waf, PROD.waf is not None) == (None, True)
    assert (DEV.table_deletion_protection, PROD.table_deletion_protection) == (False, True)
    assert (DEV.api_docs, PROD.api_docs) == (True, False)


def test_reserved_concurrency_may_not_be_under_the_mappings_maximum() -> None:
    # Given prod's configuration with the workers' mappings allowed 60 at once, over their reserved concurrency
    size = FunctionSize(memory_mb=512, timeout_seconds=15)
    fields = {**PROD.__dict__, "worker_max_concurrency": 60, "api_function": size}

    # When it is built, Then it is refused
    with pytest.raises(ValueError, match="under its mapping's maximum"):
        StageConfig(**fields)


def _stage(template: dict[str, Any]) -> dict[str, Any]:
    (stage,) = resources_of_type(template, "AWS::ApiGateway::Stage").values()
    return stage["Properties"]


@pytest.mark.parametrize(("which", "expected"), [("dev", DEV_THROTTLE), ("prod", PROD_THROTTLE)])
def test_api_stage_is_throttled_per_stage(
    synthesized: SynthesizedApp, synthesized_prod: SynthesizedApp, which: str, expected: tuple[int, int]
) -> None:
    # When the stage's API Gateway stage is read, Then it is throttled at the stage's rate and burst
    app = synthesized if which == "dev" else synthesized_prod
    (setting,) = _stage(app.template(app.api))["MethodSettings"]

    assert (setting["ThrottlingRateLimit"], setting["ThrottlingBurstLimit"]) == expected


@pytest.mark.parametrize(("which", "days"), [("dev", 14), ("prod", 90)])
def test_every_log_group_of_every_stack_has_the_stages_retention(
    synthesized: SynthesizedApp, synthesized_prod: SynthesizedApp, which: str, days: int
) -> None:
    # When every log group of the stage's stacks is read
    app = synthesized if which == "dev" else synthesized_prod
    templates = [app.template(stack) for stack in (app.data, app.storage, app.api)]
    log_groups = [r for t in templates for r in resources_of_type(t, "AWS::Logs::LogGroup").values()]

    # Then each keeps its logs for the stage's days, set on the group, with no log retention custom resource
    assert log_groups
    assert {group["Properties"].get("RetentionInDays") for group in log_groups} == {days}
    assert not [r for t in templates for r in resources_of_type(t, "Custom::LogRetention").values()]


def test_every_function_of_every_stack_logs_to_a_log_group_of_the_template(synthesized: SynthesizedApp) -> None:
    """A function without LoggingConfig writes to /aws/lambda/<name>, which Lambda creates without retention."""
    # When each function of each stack is read, Then it logs to a log group of its own template
    for stack in (synthesized.data, synthesized.storage, synthesized.api):
        template = synthesized.template(stack)
        for logical, function in resources_of_type(template, "AWS::Lambda::Function").items():
            target = function["Properties"].get("LoggingConfig", {}).get("LogGroup")
            assert isinstance(target, dict) and target.get("Ref") in template["Resources"], (stack.stack_name, logical)


def test_prod_log_groups_are_retained_and_dev_log_groups_go_with_their_stack(
    synthesized: SynthesizedApp, synthesized_prod: SynthesizedApp
) -> None:
    # When the API stack's log groups' deletion policies are read
    def policies(app: SynthesizedApp) -> set[Any]:
        template = app.template(app.api)
        return {r.get("DeletionPolicy") for r in resources_of_type(template, "AWS::Logs::LogGroup").values()}

    # Then dev's are deleted with the stack and prod's kept
    assert policies(synthesized) == {"Delete"}
    assert policies(synthesized_prod) == {"Retain"}


def test_prod_tables_are_protected_and_retained(synthesized_prod: SynthesizedApp) -> None:
    # When prod's tables are read, Then each is protected from deletion and kept on delete or replace
    tables = resources_of_type(synthesized_prod.template(synthesized_prod.data), "AWS::DynamoDB::Table").values()

    assert {t["Properties"]["DeletionProtectionEnabled"] for t in tables} == {True}
    assert {(t["DeletionPolicy"], t["UpdateReplacePolicy"]) for t in tables} == {("RetainExceptOnCreate", "Retain")}


def test_prod_buckets_are_retained(synthesized_prod: SynthesizedApp) -> None:
    # When prod's buckets are read, Then each is kept on delete
    template = synthesized_prod.template(synthesized_prod.storage)

    assert {b["DeletionPolicy"] for b in resources_of_type(template, "AWS::S3::Bucket").values()} == {"Retain"}


def test_upload_workers_have_reserved_concurrency_in_prod_only(
    synthesized: SynthesizedApp, synthesized_prod: SynthesizedApp
) -> None:
    # When each upload worker's reserved concurrency and its mapping's maximum are read, for dev and prod
    def concurrency(app: SynthesizedApp) -> dict[str, tuple[Any, Any]]:
        template = app.template(app.api)
        mappings = resources_of_type(template, "AWS::Lambda::EventSourceMapping")
        result = {}
        for worker in app.api.upload_workers:
            function = template["Resources"][logical_id(worker.function)]["Properties"]
            (mapping,) = [m for lid, m in mappings.items() if lid == logical_id(worker.event_source_mapping)]
            result[worker.name] = (
                function.get("ReservedConcurrentExecutions"),
                mapping["Properties"]["ScalingConfig"]["MaximumConcurrency"],
            )
        return result

    # Then dev's have no reservation and 5 at once, prod's 50 reserved and 50 at once, and no prod API
    # function reserves concurrency
    workers = sorted(spec.worker for spec in QUEUES)
    assert concurrency(synthesized) == dict.fromkeys(workers, (None, 5))
    assert concurrency(synthesized_prod) == dict.fromkeys(workers, (50, 50))
    api = {f.name for f in synthesized_prod.api.handlers}
    prod_functions = resources_of_type(synthesized_prod.template(synthesized_prod.api), "AWS::Lambda::Function")
    assert not [
        f.name
        for f in synthesized_prod.api.functions
        if f.name in api and "ReservedConcurrentExecutions" in prod_functions[logical_id(f.function)]["Properties"]
    ]


def test_prod_api_functions_are_sized_from_the_config(synthesized_prod: SynthesizedApp) -> None:
    # When prod's API functions are read, Then each has 1024 MB and 15 seconds, as its configuration says
    template = synthesized_prod.template(synthesized_prod.api)
    for handler in synthesized_prod.api.handlers:
        properties = template["Resources"][logical_id(handler.function)]["Properties"]
        assert (properties["MemorySize"], properties["Timeout"]) == (1024, 15)
