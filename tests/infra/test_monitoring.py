"""Monitoring: an encrypted, TLS-only alarm topic, alarms on every function, the API, the dead-letter queues, the
stream consumers' iterator age and the work queues' oldest message, and the operations dashboard."""

import json
from typing import Any

import pytest

from infra.constructs.monitoring import Monitoring
from infra.stacks.api_stack import ALARM_TOPIC_OUTPUT
from infra.stage_config import DEV, PROD
from shared.catalog import JOB_WORKERS, QUEUES, SCHEDULED_FUNCTIONS, STREAM_CONSUMERS
from shared.constants import METRICS_NAMESPACE, SERVICE_NAME, dead_letter_queue_name, physical_name
from shared.dal.tables import table_definitions
from tests.infra.conftest import ALARM_EMAIL, STAGE, SynthesizedApp, as_list, logical_id, resources_of_type

pytestmark = pytest.mark.slow

API_NAME = physical_name(STAGE, "api")
DEAD_LETTER_QUEUES = [
    *(physical_name(STAGE, spec.name) + "-dlq" for spec in QUEUES),
    *(physical_name(STAGE, consumer.name) + "-dlq" for consumer in STREAM_CONSUMERS),
    *(physical_name(STAGE, job.name) + "-dlq" for job in SCHEDULED_FUNCTIONS),
    *(physical_name(STAGE, worker.queue) + "-dlq" for worker in JOB_WORKERS),
]
WORK_QUEUES = [physical_name(STAGE, spec.name) for spec in QUEUES]
FIVE_MINUTES_MS = 5 * 60 * 1000
TEN_MINUTES_S = 10 * 60
# One metric each: 15 functions x 2, the API x 2, 10 dead-letter queues, 3 stream consumers, 2 work queues, SES x 2,
# the account's concurrency, MailNotSent.
ALARM_COUNT = 51
TABLES = [definition.logical_name for definition in table_definitions()]  # one throttle alarm each, a math expression


@pytest.fixture(scope="module")
def template(synthesized: SynthesizedApp) -> dict[str, Any]:
    return synthesized.template(synthesized.api)


@pytest.fixture(scope="module")
def watch(synthesized: SynthesizedApp) -> Monitoring:
    return synthesized.api.monitoring


@pytest.fixture(scope="module")
def alarms(template: dict[str, Any]) -> list[dict[str, Any]]:
    """The alarms on one metric (the table throttle alarms add several up: `expression_alarms`)."""
    every = [alarm["Properties"] for alarm in resources_of_type(template, "AWS::CloudWatch::Alarm").values()]
    return [alarm for alarm in every if "Metrics" not in alarm]


@pytest.fixture(scope="module")
def expression_alarms(template: dict[str, Any]) -> list[dict[str, Any]]:
    every = [alarm["Properties"] for alarm in resources_of_type(template, "AWS::CloudWatch::Alarm").values()]
    return [alarm for alarm in every if "Metrics" in alarm]


def _watched(alarm: dict[str, Any]) -> tuple[str, str, str]:
    """(namespace, metric, the one dimension's value, or the logical id it refers to; "" for an account metric)."""
    if "Dimensions" not in alarm:
        return alarm["Namespace"], alarm["MetricName"], ""
    (dimension,) = alarm["Dimensions"]
    value = dimension["Value"]
    return alarm["Namespace"], alarm["MetricName"], value["Ref"] if isinstance(value, dict) else value


def test_alarm_topic_is_encrypted_with_a_rotating_key_cloudwatch_may_use(
    template: dict[str, Any], watch: Monitoring
) -> None:
    # When the alarm topic and its KMS key are read
    topic = template["Resources"][logical_id(watch.topic)]["Properties"]
    key_id = topic["KmsMasterKeyId"]["Fn::GetAtt"][0]
    key = template["Resources"][key_id]["Properties"]

    # Then the topic is the stage's, its key rotates, and CloudWatch may only decrypt and make data keys with it
    assert topic["TopicName"] == physical_name(STAGE, "alarms")
    assert key["EnableKeyRotation"] is True
    cloudwatch_statements = [
        s for s in key["KeyPolicy"]["Statement"] if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    ]
    assert [set(as_list(s["Action"])) for s in cloudwatch_statements] == [{"kms:Decrypt", "kms:GenerateDataKey*"}]


def test_alarm_topic_policy_requires_tls_and_admits_only_this_accounts_alarms(
    template: dict[str, Any], watch: Monitoring
) -> None:
    # When the topic's policy is read
    (policy,) = resources_of_type(template, "AWS::SNS::TopicPolicy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    topic_ref = {"Ref": logical_id(watch.topic)}

    # Then it denies publishing without TLS, and allows only this account's CloudWatch alarms to publish
    assert policy["Properties"]["Topics"] == [topic_ref]
    (deny,) = [s for s in statements if s["Effect"] == "Deny"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert (deny["Action"], deny["Principal"], deny["Resource"]) == ("sns:Publish", "*", topic_ref)
    (allow,) = [s for s in statements if s["Effect"] == "Allow"]
    assert (allow["Action"], allow["Principal"]) == ("sns:Publish", {"Service": "cloudwatch.amazonaws.com"})
    assert allow["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    assert allow["Condition"]["ArnLike"]["aws:SourceArn"]["Fn::Join"][1][-1] == ":alarm:*"


def test_topic_arn_is_an_output(template: dict[str, Any], watch: Monitoring) -> None:
    # When the stack's outputs are read, Then the alarm topic is one of them
    assert template["Outputs"][ALARM_TOPIC_OUTPUT]["Value"] == {"Ref": logical_id(watch.topic)}


def test_every_alarm_notifies_the_topic_and_ignores_missing_data(
    alarms: list[dict[str, Any]], watch: Monitoring
) -> None:
    # When the single-metric alarms are read
    # Then each notifies the topic, takes missing data as not breaching, and has a name of the stage
    assert {json.dumps(alarm["AlarmActions"]) for alarm in alarms} == {json.dumps([{"Ref": logical_id(watch.topic)}])}
    assert {alarm["TreatMissingData"] for alarm in alarms} == {"notBreaching"}
    assert all(alarm["AlarmName"].startswith(physical_name(STAGE, "")) for alarm in alarms)


def test_dead_letter_queue_names_are_the_shared_ones() -> None:
    """The local cloud names its queues with the same function."""
    # When the dead-letter queue names are built for each queue, consumer, schedule and job worker
    # Then each is the stage's name of its queue with -dlq, as the alarms expect
    assert [
        *(dead_letter_queue_name(STAGE, spec.name) for spec in QUEUES),
        *(dead_letter_queue_name(STAGE, consumer.name) for consumer in STREAM_CONSUMERS),
        *(dead_letter_queue_name(STAGE, job.name) for job in SCHEDULED_FUNCTIONS),
        *(dead_letter_queue_name(STAGE, worker.queue) for worker in JOB_WORKERS),
    ] == DEAD_LETTER_QUEUES


def test_alarms_watch_exactly_each_function_the_api_each_dead_letter_queue_and_each_stream(
    alarms: list[dict[str, Any]], synthesized: SynthesizedApp
) -> None:
    # Given the app's 13 functions and its stream consumers
    functions = [logical_id(function.function) for function in synthesized.api.functions]
    consumers = [logical_id(consumer.function) for consumer in synthesized.api.stream_consumers]

    # When the metrics the single-metric alarms watch are listed
    watched = sorted(_watched(alarm) for alarm in alarms)

    # Then they are each function's errors and throttles, the API's 5xx and latency, each dead-letter queue, each
    # stream's iterator age, each work queue's oldest message, SES's reputation, the account's concurrency and the
    # mail not sent
    assert len(functions) == 15
    assert (
        len(alarms)
        == 2 * len(functions) + 2 + len(DEAD_LETTER_QUEUES) + len(consumers) + len(WORK_QUEUES) + 2 + 2
        == ALARM_COUNT
    )
    assert watched == sorted(
        [
            *(("AWS/Lambda", metric, function) for function in functions for metric in ("Errors", "Throttles")),
            ("AWS/ApiGateway", "5XXError", API_NAME),
            ("AWS/ApiGateway", "Latency", API_NAME),
            *(("AWS/SQS", "ApproximateNumberOfMessagesVisible", queue) for queue in DEAD_LETTER_QUEUES),
            *(("AWS/Lambda", "IteratorAge", consumer) for consumer in consumers),
            *(("AWS/SQS", "ApproximateAgeOfOldestMessage", queue) for queue in WORK_QUEUES),
            ("AWS/SES", "Reputation.BounceRate", ""),
            ("AWS/SES", "Reputation.ComplaintRate", ""),
            ("AWS/Lambda", "ClaimedAccountConcurrency", ""),
            (METRICS_NAMESPACE, "MailNotSent", SERVICE_NAME),
        ]
    )


def test_ses_reputation_alarms_fire_where_ses_starts_reviewing_the_account(alarms: list[dict[str, Any]]) -> None:
    """5 % bounces and 0.1 % complaints: SES's review levels, below those at which it may pause sending."""
    # When the SES alarms are read
    ses = {a["MetricName"]: a for a in alarms if a["Namespace"] == "AWS/SES"}

    # Then they fire at 5 % bounces and 0.1 % complaints over an hour, each with its stage's name
    assert {name: (a["Threshold"], a["Statistic"], a["Period"]) for name, a in ses.items()} == {
        "Reputation.BounceRate": (0.05, "Maximum", 3600),
        "Reputation.ComplaintRate": (0.001, "Maximum", 3600),
    }
    assert {a["ComparisonOperator"] for a in ses.values()} == {"GreaterThanOrEqualToThreshold"}
    assert {a["AlarmName"] for a in ses.values()} == {
        physical_name(STAGE, "ses-bounce-rate"),
        physical_name(STAGE, "ses-complaint-rate"),
    }


def test_upload_workers_have_error_and_throttle_alarms(
    alarms: list[dict[str, Any]], synthesized: SynthesizedApp
) -> None:
    # When the alarms' names are listed
    names = {alarm["AlarmName"] for alarm in alarms}

    # Then each of the two upload workers has an errors and a throttles alarm
    assert [worker.name for worker in synthesized.api.upload_workers] == ["ocr_worker", "speech_worker"]
    assert {
        physical_name(STAGE, f"{worker.name}-{what}")
        for worker in synthesized.api.upload_workers
        for what in ("errors", "throttles")
    } <= names


def test_work_queue_alarms_fire_when_an_upload_waits_ten_minutes(alarms: list[dict[str, Any]]) -> None:
    # When the oldest-message alarms are read
    age_alarms = [alarm for alarm in alarms if alarm["MetricName"] == "ApproximateAgeOfOldestMessage"]

    # Then there is one per work queue, named for it, firing when its oldest message is over ten minutes old
    assert sorted(_watched(a)[2] for a in age_alarms) == sorted(WORK_QUEUES)
    assert sorted(a["AlarmName"] for a in age_alarms) == sorted(f"{q}-oldest-message" for q in WORK_QUEUES)
    assert {
        (a["Statistic"], a["Period"], a["EvaluationPeriods"], a["Threshold"], a["ComparisonOperator"])
        for a in age_alarms
    } == {("Maximum", 300, 1, TEN_MINUTES_S, "GreaterThanThreshold")}


def test_function_alarms_fire_on_one_error_or_throttle_in_five_minutes(alarms: list[dict[str, Any]]) -> None:
    # When the functions' error and throttle alarms are read, Then each fires on one in five minutes
    lambda_alarms = [alarm for alarm in alarms if alarm["MetricName"] in {"Errors", "Throttles"}]

    assert {
        (a["Statistic"], a["Period"], a["EvaluationPeriods"], a["Threshold"], a["ComparisonOperator"])
        for a in lambda_alarms
    } == {("Sum", 300, 1, 1, "GreaterThanOrEqualToThreshold")}


def test_api_alarms(alarms: list[dict[str, Any]]) -> None:
    # When the API's alarms are read
    by_metric = {alarm["MetricName"]: alarm for alarm in alarms if alarm["Namespace"] == "AWS/ApiGateway"}

    # Then the 5xx alarm fires on 5 in five minutes, and the latency alarm on a p95 over a second in two of three
    server_errors, latency = by_metric["5XXError"], by_metric["Latency"]
    assert (server_errors["Statistic"], server_errors["Period"], server_errors["Threshold"]) == ("Sum", 300, 5)
    assert server_errors["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert (latency["ExtendedStatistic"], latency["Period"], latency["Threshold"]) == ("p95", 300, 1000)
    assert latency["ComparisonOperator"] == "GreaterThanThreshold"
    assert (latency["DatapointsToAlarm"], latency["EvaluationPeriods"]) == (2, 3)


def test_iterator_age_alarms_fire_when_a_stream_consumer_is_five_minutes_behind(
    alarms: list[dict[str, Any]],
) -> None:
    # When the iterator age alarms are read
    iterator_alarms = [alarm for alarm in alarms if alarm["MetricName"] == "IteratorAge"]

    # Then each stream consumer has one, named for it, firing when it is over five minutes behind
    assert len(iterator_alarms) == len(STREAM_CONSUMERS)
    assert {
        (a["Statistic"], a["Period"], a["EvaluationPeriods"], a["Threshold"], a["ComparisonOperator"])
        for a in iterator_alarms
    } == {("Maximum", 300, 1, FIVE_MINUTES_MS, "GreaterThanThreshold")}
    assert sorted(a["AlarmName"] for a in iterator_alarms) == sorted(
        physical_name(STAGE, f"{consumer.name}-iterator-age") for consumer in STREAM_CONSUMERS
    )


def test_dead_letter_alarms_fire_on_the_first_message(alarms: list[dict[str, Any]]) -> None:
    # When the dead-letter queue alarms are read
    dead_letter_alarms = [alarm for alarm in alarms if alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"]

    # Then each dead-letter queue has one, named for it, firing on its first message
    assert len(dead_letter_alarms) == len(QUEUES) + len(STREAM_CONSUMERS) + len(SCHEDULED_FUNCTIONS) + len(JOB_WORKERS)
    assert sorted(a["AlarmName"] for a in dead_letter_alarms) == sorted(f"{q}-messages" for q in DEAD_LETTER_QUEUES)
    assert {
        (a["Statistic"], a["Period"], a["EvaluationPeriods"], a["Threshold"], a["ComparisonOperator"])
        for a in dead_letter_alarms
    } == {("Maximum", 300, 1, 1, "GreaterThanOrEqualToThreshold")}


def _logical_id_of(token: dict[str, Any]) -> str:
    """A Ref or Fn::GetAtt inside the dashboard body, replaced by the logical id it points at, to read the JSON."""
    value = token.get("Ref") or token["Fn::GetAtt"][0]
    return str(value)


def _dashboard_widgets(template: dict[str, Any]) -> list[dict[str, Any]]:
    (dashboard,) = resources_of_type(template, "AWS::CloudWatch::Dashboard").values()
    parts = dashboard["Properties"]["DashboardBody"]["Fn::Join"][1]
    text = "".join(part if isinstance(part, str) else _logical_id_of(part) for part in parts)
    assert dashboard["Properties"]["DashboardName"] == physical_name(STAGE, "operations")
    return list(json.loads(text)["widgets"])


def test_dashboard_draws_the_api_the_functions_and_the_dead_letter_queues(
    template: dict[str, Any], synthesized: SynthesizedApp
) -> None:
    # Given the dashboard's widgets, by title
    widgets = {widget["properties"]["title"]: widget["properties"] for widget in _dashboard_widgets(template)}
    functions = {logical_id(function.function) for function in synthesized.api.functions}
    consumers = {logical_id(consumer.function) for consumer in synthesized.api.stream_consumers}

    def drawn(title: str) -> set[tuple[str, str]]:
        return {(line[1], line[3]) for line in widgets[title]["metrics"]}

    # Then they draw the API's requests, latency and errors, each function's invocations, errors and duration, the
    # dead-letter queues, the streams' iterator age, the work queues' oldest message, and every alarm
    assert drawn("API requests") == {("Count", API_NAME)}
    assert drawn("API latency (ms)") == {("Latency", API_NAME)}
    assert {line[-1]["stat"] for line in widgets["API latency (ms)"]["metrics"]} == {"p50", "p95"}
    assert drawn("API errors") == {("4XXError", API_NAME), ("5XXError", API_NAME)}
    assert drawn("Function invocations") == {("Invocations", f) for f in functions}
    assert drawn("Function errors") == {("Errors", f) for f in functions}
    assert drawn("Function duration p95 (ms)") == {("Duration", f) for f in functions}
    assert drawn("Dead-letter queue depth") == {("ApproximateNumberOfMessagesVisible", q) for q in DEAD_LETTER_QUEUES}
    assert drawn("Stream iterator age max (ms)") == {("IteratorAge", c) for c in consumers}
    assert drawn("Work queue oldest message age (s)") == {("ApproximateAgeOfOldestMessage", q) for q in WORK_QUEUES}
    assert widgets["Work queue oldest message age (s)"]["annotations"]["horizontal"][0]["value"] == TEN_MINUTES_S
    assert {worker.function.node.path for worker in synthesized.api.upload_workers} <= {
        function.function.node.path for function in synthesized.api.functions
    }
    assert len(widgets["Alarms"]["alarms"]) == ALARM_COUNT + len(TABLES)
    assert DEV.alarms.api_latency_p95_ms == 1000


def _throttle_alarms(alarms: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Table name -> its throttle alarm."""
    by_table = {}
    for alarm in alarms:
        metrics = [m["MetricStat"]["Metric"] for m in alarm["Metrics"] if "MetricStat" in m]
        (table,) = {d["Value"] for m in metrics for d in m["Dimensions"] if d["Name"] == "TableName"}
        by_table[table] = alarm
    return by_table


def test_every_table_alarms_on_read_and_write_throttles_of_itself_and_its_global_indexes(
    expression_alarms: list[dict[str, Any]],
) -> None:
    # When the table throttle alarms are read, by table
    by_table = _throttle_alarms(expression_alarms)

    # Then each table has one, summing the read and write throttles of the table and each of its global indexes
    # (ten metrics at most), at the stage's threshold, named for the table
    assert sorted(by_table) == sorted(physical_name(STAGE, name) for name in TABLES)
    for definition in table_definitions():
        alarm = by_table[physical_name(STAGE, definition.logical_name)]
        metrics = [m["MetricStat"] for m in alarm["Metrics"] if "MetricStat" in m]
        watched = {
            (
                stat["Metric"]["MetricName"],
                next((d["Value"] for d in stat["Metric"]["Dimensions"] if d["Name"] == "GlobalSecondaryIndexName"), ""),
            )
            for stat in metrics
        }
        indexes = ["", *(index.name for index in definition.indexes if index.kind == "global")]
        assert watched == {(f"{kind}ThrottleEvents", index) for kind in ("Read", "Write") for index in indexes}
        assert {(stat["Metric"]["Namespace"], stat["Stat"], stat["Period"]) for stat in metrics} == {
            ("AWS/DynamoDB", "Sum", 300)
        }
        (expression,) = [m for m in alarm["Metrics"] if "Expression" in m]
        assert expression["ReturnData"] is True
        assert expression["Expression"].count("FILL(") == len(metrics) <= 10  # metric math takes 10 metrics at most
        assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (
            DEV.alarms.table_throttles,
            "GreaterThanOrEqualToThreshold",
        )
        assert alarm["AlarmName"] == physical_name(STAGE, f"{definition.logical_name.replace('_', '-')}-throttles")


def test_prod_table_throttle_alarms_use_prods_threshold(synthesized_prod: SynthesizedApp) -> None:
    # When prod's table throttle alarms are read
    template = synthesized_prod.template(synthesized_prod.api)
    every = [a["Properties"] for a in resources_of_type(template, "AWS::CloudWatch::Alarm").values()]
    by_table = _throttle_alarms([a for a in every if "Metrics" in a])

    # Then each prod table has one, at prod's threshold
    assert sorted(by_table) == sorted(physical_name("prod", name) for name in TABLES)
    assert {a["Threshold"] for a in by_table.values()} == {PROD.alarms.table_throttles}


def test_account_concurrency_and_mail_not_sent_alarms(alarms: list[dict[str, Any]]) -> None:
    # When the account concurrency and mail-not-sent alarms are read
    (concurrency,) = [a for a in alarms if a["MetricName"] == "ClaimedAccountConcurrency"]
    (mail,) = [a for a in alarms if a["MetricName"] == "MailNotSent"]

    # Then the first watches the account's concurrency and the second the app's own metric, at dev's thresholds
    assert (concurrency["Namespace"], concurrency["Statistic"], concurrency["Threshold"]) == (
        "AWS/Lambda",
        "Maximum",
        DEV.alarms.account_concurrency,
    )
    assert "Dimensions" not in concurrency  # the account's, not one function's
    # As Powertools emits it (shared/observability.py): the app's namespace and its one `service` dimension.
    assert (mail["Namespace"], mail["Dimensions"], mail["Statistic"], mail["Threshold"]) == (
        METRICS_NAMESPACE,
        [{"Name": "service", "Value": SERVICE_NAME}],
        "Sum",
        DEV.alarms.mail_not_sent,
    )


def test_prod_alarm_thresholds_come_from_its_config(synthesized_prod: SynthesizedApp) -> None:
    # When prod's alarms are read by name
    template = synthesized_prod.template(synthesized_prod.api)
    by_name = {
        a["Properties"]["AlarmName"]: a["Properties"]
        for a in resources_of_type(template, "AWS::CloudWatch::Alarm").values()
    }

    # Then their thresholds are prod's configured ones
    assert by_name["kotoba-prod-api-5xx"]["Threshold"] == PROD.alarms.api_5xx == 200
    assert by_name["kotoba-prod-account-concurrency"]["Threshold"] == PROD.alarms.account_concurrency == 2400
    assert by_name["kotoba-prod-mail-not-sent"]["Threshold"] == PROD.alarms.mail_not_sent
    assert by_name["kotoba-prod-auth_api-errors"]["Threshold"] == PROD.alarms.function_errors


def test_the_alarm_topic_mails_the_context_address_only_when_one_is_given(
    template: dict[str, Any], synthesized_prod: SynthesizedApp
) -> None:
    # Given prod synthesized with an alarm address, and dev without
    prod = synthesized_prod.template(synthesized_prod.api)
    (subscription,) = resources_of_type(prod, "AWS::SNS::Subscription").values()

    # Then only prod's topic has a subscription, mailing that address
    assert not resources_of_type(template, "AWS::SNS::Subscription")  # dev's synth names no alarm_email
    assert subscription["Properties"]["Protocol"] == "email"
    assert subscription["Properties"]["Endpoint"] == ALARM_EMAIL
    assert subscription["Properties"]["TopicArn"] == {"Ref": logical_id(synthesized_prod.api.monitoring.topic)}
