"""Scheduled functions: every entry of `shared.catalog.SCHEDULED_FUNCTIONS` becomes a `KotobaFunction` that an
EventBridge rule, named as the local cloud names it, invokes on the entry's schedule."""

from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.constructs.lambda_function import KotobaFunction, zip_package
from infra.constructs.tables import KotobaTables
from infra.stage_config import stage_config
from shared.catalog import ScheduledFunction
from shared.constants import physical_name


class ScheduledJob(KotobaFunction):
    """One scheduled function with the table grants of its catalog entry, and the rule that runs it."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        entry: ScheduledFunction,
        stage: str,
        layer: lambda_.ILayerVersion,
        tables: KotobaTables,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            name=entry.name,
            description=f"kotoba {entry.name}: runs on {entry.schedule}",
            role_description=f"{entry.name}: the tables listed in shared/catalog.py",
            stage=stage,
            package=zip_package(entry.name, layer),
            size=stage_config(stage).scheduled_function,
        )
        self.entry = entry
        self.grant_tables(tables, reads=entry.reads, writes=entry.writes)
        self.rule = events.Rule(
            self,
            "Schedule",
            rule_name=physical_name(stage, entry.name),  # the local cloud creates the same rule name
            description=f"kotoba {entry.name}: {entry.schedule}",
            schedule=events.Schedule.expression(entry.schedule),
            targets=[targets.LambdaFunction(self.function)],
        )
