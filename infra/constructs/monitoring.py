"""What operations watch in CloudWatch: alarms on every function, the REST API, the dead-letter queues, how far
behind the stream consumers are, how long uploads wait in the work queues, every table's throttled requests, the
account's Lambda concurrency and the mail the app failed to send, all sent to one KMS-encrypted SNS topic, and one
dashboard that draws the same metrics."""

from collections.abc import Sequence
from typing import Final

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from infra.constructs.job_worker import JobWorkerFunction
from infra.constructs.lambda_function import KotobaFunction
from infra.constructs.scheduled_job import ScheduledJob
from infra.constructs.stream_consumer import StreamConsumerFunction
from infra.constructs.tables import construct_name
from infra.constructs.work_queues import queue_name as work_queue_name
from infra.stage_config import stage_config
from shared.catalog import QueueSpec
from shared.constants import METRICS_NAMESPACE, SERVICE_NAME, dead_letter_queue_name, physical_name
from shared.dal.tables import TableDefinition, table_definitions

PERIOD: Final = cdk.Duration.minutes(5)
# The thresholds of the function, API, table, mail and concurrency alarms are the stage's: infra/stage_config.py
# (AlarmThresholds). The API's 5XX alarm catches what API Gateway adds to the function errors (integration timeouts,
# throttled or failed invocations).
# p95 of a quiet period can be one cold start: alarm when 2 of the last 3 periods are slow, not on one.
API_LATENCY_PERIODS: Final = 3
API_LATENCY_DATAPOINTS: Final = 2
DEAD_LETTER_THRESHOLD: Final = 1  # any message that exhausted its retries
# Age of the newest record a stream consumer was handed: beyond 5 minutes it is falling behind its table (or stuck
# retrying a batch), and records expire from a DynamoDB stream after 24 hours.
ITERATOR_AGE_THRESHOLD: Final = cdk.Duration.minutes(5)
# Age of the oldest upload still waiting in a work queue: a worker handles one in seconds to a minute or two, so ten
# minutes means the workers are failing (each failure waits out the visibility timeout), throttled, or stopped.
QUEUE_AGE_THRESHOLD: Final = cdk.Duration.minutes(10)
# SES reviews an account whose bounce rate reaches 5 % or complaint rate 0.1 %, and may pause its sending at 10 % and
# 0.5 %: alarm at the review levels, while there is time to act. Account-wide metrics (one account, one reputation).
SES_BOUNCE_RATE_THRESHOLD: Final = 0.05
SES_COMPLAINT_RATE_THRESHOLD: Final = 0.001
SES_REPUTATION_PERIOD: Final = cdk.Duration.hours(1)
# What shared/services/auth.py emits (Powertools metrics: METRICS_NAMESPACE, one `service` dimension) when SES refuses
# a sign-up or reset e-mail: the learner only sees that the mail did not come.
MAIL_NOT_SENT_METRIC: Final = "MailNotSent"
POWERTOOLS_SERVICE_DIMENSION: Final = "service"
CLOUDWATCH: Final = "cloudwatch.amazonaws.com"
WIDGET_WIDTH: Final = 8  # three widgets per dashboard row of 24


def oldest_message_age(queue_name: str) -> cloudwatch.Metric:
    """Seconds the oldest message of a queue named in the storage stack has waited (by name, like the depth)."""
    return _queue_maximum(queue_name, "ApproximateAgeOfOldestMessage")


def dead_letter_depth(queue_name: str) -> cloudwatch.Metric:
    """Messages waiting in a queue named in the storage stack: by name, so this stack imports nothing from it."""
    return _queue_maximum(queue_name, "ApproximateNumberOfMessagesVisible")


def _queue_maximum(queue_name: str, metric_name: str) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace="AWS/SQS",
        metric_name=metric_name,
        dimensions_map={"QueueName": queue_name},
        statistic=cloudwatch.Stats.MAXIMUM,
        period=PERIOD,
    )


class Monitoring(Construct):
    """Alarm topic, alarms and the operations dashboard of one stage."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: str,
        functions: Sequence[KotobaFunction],
        rest_api: apigw.RestApi,
        queues: Sequence[QueueSpec],
        stream_consumers: Sequence[StreamConsumerFunction] = (),
        scheduled_jobs: Sequence[ScheduledJob] = (),
        job_workers: Sequence[JobWorkerFunction] = (),
        sends_email: bool = False,
        tables: Sequence[TableDefinition] | None = None,
        alarm_email: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self._stage = stage
        self._thresholds = stage_config(stage).alarms
        self.topic = self._alarm_topic()
        self._action = cloudwatch_actions.SnsAction(self.topic)
        if alarm_email:  # SNS mails the address a confirmation link first; nothing arrives until it is followed
            self.topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
        self.alarms: list[cloudwatch.Alarm] = []
        for function in functions:
            self._function_alarms(function)
        self._api_alarms(rest_api)
        dead_letters = {
            dead_letter_queue_name(stage, spec.name): f"messages received {spec.max_receive_count} times without "
            "being processed"
            for spec in queues
        }
        for consumer in stream_consumers:
            dead_letters[consumer.dead_letter_queue_name] = (
                f"stream batches {consumer.name} gave up on; re-read them from the stream within 24 hours"
            )
            self._stream_alarms(consumer)
        for job in scheduled_jobs:
            dead_letters[job.dead_letter_queue_name] = (
                f"runs of {job.name} that could not be delivered or failed after their retries"
            )
        for worker in job_workers:
            dead_letters[worker.dead_letter_queue_name] = (
                f"jobs {worker.name} failed {worker.entry.max_receive_count} times (the janitor hands them over again)"
            )
        for queue_name, what in dead_letters.items():
            self._alarm(
                f"{queue_name.removeprefix(physical_name(stage, ''))}-messages",
                f"{queue_name}: {what}",
                dead_letter_depth(queue_name),
                DEAD_LETTER_THRESHOLD,
            )
        work_queues = [work_queue_name(stage, spec) for spec in queues]
        for spec, queue_name in zip(queues, work_queues, strict=True):
            self._alarm(
                f"{spec.name}-oldest-message",
                f"{queue_name}: an upload waits more than {QUEUE_AGE_THRESHOLD.to_minutes()} minutes for "
                f"{spec.worker} (failing, throttled or stopped)",
                oldest_message_age(queue_name),
                QUEUE_AGE_THRESHOLD.to_seconds(),
                comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            )
        for table in table_definitions() if tables is None else tables:
            self._table_throttle_alarm(table)
        self._account_concurrency_alarm()
        if sends_email:
            self._email_reputation_alarms()
            self._mail_not_sent_alarm()
        self.dashboard = self._dashboard(functions, rest_api, list(dead_letters), stream_consumers, work_queues)

    def _alarm_topic(self) -> sns.Topic:
        """SNS topic encrypted with its own key: CloudWatch can only publish to an encrypted topic when the key
        policy lets it use the key, which the AWS-managed aws/sns key does not."""
        account = cdk.Stack.of(self).account
        key = kms.Key(
            self,
            "AlarmTopicKey",
            description=f"kotoba {self._stage}: encrypts the alarm topic",
            enable_key_rotation=True,
        )
        key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal(CLOUDWATCH)],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],  # in a key policy, "*" is this key
            )
        )
        topic = sns.Topic(
            self,
            "AlarmTopic",
            topic_name=physical_name(self._stage, "alarms"),
            display_name=f"kotoba {self._stage} alarms",
            master_key=key,
            enforce_ssl=True,
        )
        # The topic policy that enforce_ssl creates replaces SNS's default one, so CloudWatch is let in by name,
        # for this account's alarms only.
        alarms_of_this_account = cdk.Stack.of(self).format_arn(
            service="cloudwatch", resource="alarm", resource_name="*", arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME
        )
        topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="PublishFromThisAccountsAlarms",
                principals=[iam.ServicePrincipal(CLOUDWATCH)],
                actions=["sns:Publish"],
                resources=[topic.topic_arn],
                conditions={
                    "ArnLike": {"aws:SourceArn": alarms_of_this_account},
                    "StringEquals": {"aws:SourceAccount": account},
                },
            )
        )
        return topic

    def _alarm(
        self,
        name: str,
        description: str,
        metric: cloudwatch.IMetric,
        threshold: float,
        comparison: cloudwatch.ComparisonOperator = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluation_periods: int = 1,
        datapoints_to_alarm: int | None = None,
    ) -> None:
        alarm = cloudwatch.Alarm(
            self,
            construct_name(name.replace("-", "_")),
            alarm_name=physical_name(self._stage, name),
            alarm_description=description,
            metric=metric,
            threshold=threshold,
            comparison_operator=comparison,
            evaluation_periods=evaluation_periods,
            datapoints_to_alarm=datapoints_to_alarm,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,  # no traffic is not an incident
        )
        alarm.add_alarm_action(self._action)
        self.alarms.append(alarm)

    def _function_alarms(self, function: KotobaFunction) -> None:
        self._alarm(
            f"{function.name}-errors",
            f"{function.name}: invocations that failed (exception or timeout)",
            function.function.metric_errors(period=PERIOD, statistic=cloudwatch.Stats.SUM),
            self._thresholds.function_errors,
        )
        self._alarm(
            f"{function.name}-throttles",
            f"{function.name}: invocations refused for lack of concurrency",
            function.function.metric_throttles(period=PERIOD, statistic=cloudwatch.Stats.SUM),
            self._thresholds.function_throttles,
        )

    def _stream_alarms(self, consumer: StreamConsumerFunction) -> None:
        self._alarm(
            f"{consumer.name}-iterator-age",
            f"{consumer.name}: the {consumer.entry.table} stream's records wait more than "
            f"{ITERATOR_AGE_THRESHOLD.to_minutes()} minutes before they are handled",
            iterator_age(consumer),
            ITERATOR_AGE_THRESHOLD.to_milliseconds(),
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        )

    def _table_throttle_alarm(self, table: TableDefinition) -> None:
        """Read and write throttle events of a table and of each of its global indexes, whose throttles CloudWatch
        counts apart (an index that cannot keep up throttles the table's writes). By table name, as the tables are
        named in the data stack, so this stack imports nothing more from it."""
        name = physical_name(self._stage, table.logical_name)
        dimensions = [{"TableName": name}] + [
            {"TableName": name, "GlobalSecondaryIndexName": index.name}
            for index in table.indexes
            if index.kind == "global"
        ]
        using = {
            f"{kind[0].lower()}{number}": cloudwatch.Metric(
                namespace="AWS/DynamoDB",
                metric_name=f"{kind}ThrottleEvents",
                dimensions_map=dimensions_map,
                statistic=cloudwatch.Stats.SUM,
                period=PERIOD,
            )
            for number, dimensions_map in enumerate(dimensions)
            for kind in ("Read", "Write")
        }
        self._alarm(
            f"{table.logical_name.replace('_', '-')}-throttles",
            f"{name}: {self._thresholds.table_throttles} or more throttled reads or writes (table and its global "
            f"indexes) in {PERIOD.to_minutes()} minutes",
            cloudwatch.MathExpression(
                expression=" + ".join(f"FILL({key}, 0)" for key in using),
                using_metrics=using,
                label=f"{name} throttle events",
                period=PERIOD,
            ),
            self._thresholds.table_throttles,
        )

    def _account_concurrency_alarm(self) -> None:
        self._alarm(
            "account-concurrency",
            f"Lambda: the account's claimed concurrency reached {self._thresholds.account_concurrency}, near its "
            "quota; past the quota every function of the account (the API's too) is throttled",
            cloudwatch.Metric(
                namespace="AWS/Lambda",
                metric_name="ClaimedAccountConcurrency",
                statistic=cloudwatch.Stats.MAXIMUM,
                period=PERIOD,
            ),
            self._thresholds.account_concurrency,
        )

    def _mail_not_sent_alarm(self) -> None:
        self._alarm(
            "mail-not-sent",
            f"SES refused {self._thresholds.mail_not_sent} or more of the app's e-mails (sign-up, reset) in "
            f"{PERIOD.to_minutes()} minutes: learners wait for mail that will not come",
            cloudwatch.Metric(
                namespace=METRICS_NAMESPACE,
                metric_name=MAIL_NOT_SENT_METRIC,
                dimensions_map={POWERTOOLS_SERVICE_DIMENSION: SERVICE_NAME},
                statistic=cloudwatch.Stats.SUM,
                period=PERIOD,
            ),
            self._thresholds.mail_not_sent,
        )

    def _email_reputation_alarms(self) -> None:
        for name, metric_name, threshold, what in (
            ("ses-bounce-rate", "Reputation.BounceRate", SES_BOUNCE_RATE_THRESHOLD, "bounce"),
            ("ses-complaint-rate", "Reputation.ComplaintRate", SES_COMPLAINT_RATE_THRESHOLD, "complaint"),
        ):
            self._alarm(
                name,
                f"SES: the account's {what} rate reached {threshold:.1%}, where SES reviews the account (and may "
                "pause its sending further on)",
                cloudwatch.Metric(
                    namespace="AWS/SES",
                    metric_name=metric_name,
                    statistic=cloudwatch.Stats.MAXIMUM,
                    period=SES_REPUTATION_PERIOD,
                ),
                threshold,
            )

    def _api_alarms(self, rest_api: apigw.RestApi) -> None:
        self._alarm(
            "api-5xx",
            f"REST API: {self._thresholds.api_5xx} or more 5XX responses in {PERIOD.to_minutes()} minutes",
            rest_api.metric_server_error(period=PERIOD, statistic=cloudwatch.Stats.SUM),
            self._thresholds.api_5xx,
        )
        self._alarm(
            "api-latency-p95",
            f"REST API: p95 latency over {self._thresholds.api_latency_p95_ms} ms in {API_LATENCY_DATAPOINTS} of "
            f"{API_LATENCY_PERIODS} periods of {PERIOD.to_minutes()} minutes",
            rest_api.metric_latency(period=PERIOD, statistic=cloudwatch.Stats.percentile(95)),
            self._thresholds.api_latency_p95_ms,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=API_LATENCY_PERIODS,
            datapoints_to_alarm=API_LATENCY_DATAPOINTS,
        )

    def _dashboard(
        self,
        functions: Sequence[KotobaFunction],
        rest_api: apigw.RestApi,
        dead_letter_queue_names: Sequence[str],
        stream_consumers: Sequence[StreamConsumerFunction],
        work_queue_names: Sequence[str],
    ) -> cloudwatch.Dashboard:
        total, p50, p95 = cloudwatch.Stats.SUM, cloudwatch.Stats.percentile(50), cloudwatch.Stats.percentile(95)
        lambdas = [(function.name, function.function) for function in functions]
        dashboard = cloudwatch.Dashboard(self, "Dashboard", dashboard_name=physical_name(self._stage, "operations"))
        dashboard.add_widgets(
            _graph("API requests", [rest_api.metric_count(period=PERIOD, statistic=total, label="requests")]),
            _graph(
                "API latency (ms)",
                [
                    rest_api.metric_latency(period=PERIOD, statistic=p50, label="p50"),
                    rest_api.metric_latency(period=PERIOD, statistic=p95, label="p95"),
                ],
                alarm_line=self._thresholds.api_latency_p95_ms,
            ),
            _graph(
                "API errors",
                [
                    rest_api.metric_client_error(period=PERIOD, statistic=total, label="4XX"),
                    rest_api.metric_server_error(period=PERIOD, statistic=total, label="5XX"),
                ],
            ),
        )
        dashboard.add_widgets(
            _graph(
                "Function invocations",
                [fn.metric_invocations(period=PERIOD, statistic=total, label=name) for name, fn in lambdas],
            ),
            _graph(
                "Function errors",
                [fn.metric_errors(period=PERIOD, statistic=total, label=name) for name, fn in lambdas],
            ),
            _graph(
                "Function duration p95 (ms)",
                [fn.metric_duration(period=PERIOD, statistic=p95, label=name) for name, fn in lambdas],
            ),
        )
        dashboard.add_widgets(
            _graph(
                "Dead-letter queue depth",
                [dead_letter_depth(name).with_(label=name) for name in dead_letter_queue_names],
            ),
            _graph(
                "Stream iterator age max (ms)",
                [iterator_age(consumer).with_(label=consumer.name) for consumer in stream_consumers],
                alarm_line=ITERATOR_AGE_THRESHOLD.to_milliseconds(),
            ),
            _graph(
                "Work queue oldest message age (s)",
                [oldest_message_age(name).with_(label=name) for name in work_queue_names],
                alarm_line=QUEUE_AGE_THRESHOLD.to_seconds(),
            ),
        )
        dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(title="Alarms", alarms=list(self.alarms), width=3 * WIDGET_WIDTH),
        )
        return dashboard


def iterator_age(consumer: StreamConsumerFunction) -> cloudwatch.Metric:
    """How old the last record of each batch was when the consumer received it (Lambda's IteratorAge, in ms)."""
    return consumer.function.metric("IteratorAge", statistic=cloudwatch.Stats.MAXIMUM, period=PERIOD)


def _graph(
    title: str, metrics: Sequence[cloudwatch.IMetric], alarm_line: float | None = None
) -> cloudwatch.GraphWidget:
    annotations = [cloudwatch.HorizontalAnnotation(value=alarm_line, label="alarm")] if alarm_line else None
    return cloudwatch.GraphWidget(title=title, left=list(metrics), left_annotations=annotations, width=WIDGET_WIDTH)
