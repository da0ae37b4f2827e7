"""Scheduled functions: every entry of `shared.catalog.SCHEDULED_FUNCTIONS` becomes a `KotobaFunction` that an
EventBridge rule, named as the local cloud names it, invokes on the entry's schedule.

What fails lands in the job's own encrypted dead-letter queue (alarmed on its first message, monitoring.py): events
EventBridge could not deliver after its retries, and invocations the function itself failed after Lambda's
asynchronous retries (EventBridge invokes asynchronously, so its target retry policy never sees a function error).
"""

from typing import Final

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda_destinations as destinations
from constructs import Construct

from infra.constructs.email_identity import EmailIdentities
from infra.constructs.generated_key import GeneratedKey
from infra.constructs.lambda_function import KotobaFunction, zip_package
from infra.constructs.shared_layer import SharedDependencyLayer
from infra.constructs.tables import KotobaTables
from infra.constructs.work_queues import destination_dead_letter_queue
from infra.stage_config import stage_config
from shared.catalog import ScheduledFunction
from shared.constants import Env, dead_letter_queue_name, physical_name

# A missed run is made up by the next one (the sweeps are idempotent), so retries stop well before it: a couple of
# tries within five minutes, for delivery (EventBridge) and for the function's own errors (Lambda) alike.
RETRY_ATTEMPTS: Final = 2
MAX_EVENT_AGE: Final = cdk.Duration.minutes(5)


class ScheduledJob(KotobaFunction):
    """One scheduled function with the grants of its catalog entry (tables, e-mail, the link key), and the rule that
    runs it."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        entry: ScheduledFunction,
        stage: str,
        layer: SharedDependencyLayer,
        tables: KotobaTables,
        email: EmailIdentities,
        link_key: GeneratedKey,
        public_api_url: str,
    ) -> None:
        environment: dict[str, str] = {}
        if entry.sends_email:
            environment[Env.SES_SENDER] = email.settings.sender
        if entry.signs_links:
            environment[Env.PUBLIC_API_URL] = public_api_url  # the links in its e-mails open the API
        super().__init__(
            scope,
            construct_id,
            name=entry.name,
            description=f"kotoba {entry.name}: runs on {entry.schedule}",
            role_description=f"{entry.name}: the tables, e-mail and keys listed in shared/catalog.py",
            stage=stage,
            package=zip_package(entry.name, layer),
            size=stage_config(stage).scheduled_function,
            environment=environment,
        )
        self.entry = entry
        self.grant_tables(tables, reads=entry.reads, writes=entry.writes)
        if entry.sends_email:
            email.grant_send(self)
        if entry.signs_links:
            link_key.grant_read(self)
        self.dead_letter_queue_name = dead_letter_queue_name(stage, entry.name)
        self.dead_letter_queue = destination_dead_letter_queue(
            self,
            name=self.dead_letter_queue_name,
            fed_by=f"of {entry.name}'s EventBridge target and of its asynchronous "
            "invocations. cdk-nag only recognizes a dead-letter queue by another queue's redrive policy.",
        )
        self.function.configure_async_invoke(
            retry_attempts=RETRY_ATTEMPTS,
            max_event_age=MAX_EVENT_AGE,
            on_failure=destinations.SqsDestination(self.dead_letter_queue),  # grants the role SendMessage on it
        )
        self.rule = events.Rule(
            self,
            "Schedule",
            rule_name=physical_name(stage, entry.name),  # the local cloud creates the same rule name
            description=f"kotoba {entry.name}: {entry.schedule}",
            schedule=events.Schedule.expression(entry.schedule),
            targets=[
                targets.LambdaFunction(
                    self.function,
                    dead_letter_queue=self.dead_letter_queue,  # adds the queue policy for this rule only
                    retry_attempts=RETRY_ATTEMPTS,
                    max_event_age=MAX_EVENT_AGE,
                )
            ],
        )
