"""The REST API: `/api/v1/<prefix>` and `/api/v1/<prefix>/{proxy+}` of every catalog entry go to its function."""

from collections.abc import Sequence
from typing import Final

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.constructs.api_function import ApiHandler
from infra.constructs.web_acl import ApiWebAcl
from infra.nag import acknowledge, finding_resource
from infra.stage_config import stage_config
from shared.constants import API_PREFIX, DocsPaths, physical_name

PROXY_PATH_PART: Final = "{proxy+}"
DOCS_ARE_PUBLIC: Final = (
    "The API's documentation, on a stage whose configuration publishes it (infra/stage_config.py: api_docs, dev "
    "only): static pages and the OpenAPI document, which read no data, for the app's developers to open in a browser."
)
# What API Gateway's account-level role needs to write execution and access logs (the actions of the
# AWS-managed AmazonAPIGatewayPushToCloudWatchLogs policy, kept inline and limited to this account's logs).
API_GATEWAY_LOGS_ACTIONS: Final = (
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:DescribeLogGroups",
    "logs:DescribeLogStreams",
    "logs:FilterLogEvents",
    "logs:GetLogEvents",
    "logs:PutLogEvents",
)


class ApiGatewayLoggingRole(Construct):
    """The CloudWatch role of the account's API Gateway settings, without which stage logging cannot deploy.

    API Gateway has one such role per account and region, shared by every REST API there, so it is retained
    when the stack goes (as CDK does for its own) and its policy covers the account's log groups.
    """

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        log_groups = cdk.Stack.of(self).format_arn(
            service="logs",
            resource="log-group",
            resource_name="*",
            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
            description="API Gateway account settings: writes REST API execution and access logs",
            inline_policies={
                "WriteApiLogs": iam.PolicyDocument(
                    statements=[
                        iam.PolicyStatement(
                            actions=list(API_GATEWAY_LOGS_ACTIONS),
                            resources=[log_groups, f"{log_groups}:log-stream:*"],
                        )
                    ]
                )
            },
        )
        self.role.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
        account = apigw.CfnAccount(self, "Account", cloud_watch_role_arn=self.role.role_arn)
        account.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
        for resource in (log_groups, f"{log_groups}:log-stream:*"):
            acknowledge(
                self.role,
                f"IAM5[Resource::{finding_resource(self, resource)}]",
                "API Gateway writes execution logs to groups it creates itself (API-Gateway-Execution-Logs_"
                "<api-id>/<stage>) with this one role for every REST API of the account and region, so the "
                "role cannot be narrowed to this API's log groups.",
            )


class KotobaRestApi(Construct):
    """REST API (v1) for the stage, throttled, logged, traced, behind WAF where configured, routing each catalog
    prefix to its function."""

    def __init__(self, scope: Construct, construct_id: str, *, stage: str, handlers: Sequence[ApiHandler]) -> None:
        super().__init__(scope, construct_id)
        logging_role = ApiGatewayLoggingRole(self, "LoggingRole")
        config = stage_config(stage)
        self.access_log_group = logs.LogGroup(
            self, "AccessLogs", retention=config.log_retention, removal_policy=config.log_removal_policy
        )
        self.rest_api = apigw.RestApi(
            self,
            "RestApi",
            rest_api_name=physical_name(stage, "api"),
            description=f"kotoba API ({stage})",
            cloud_watch_role=False,  # the account's logging role is `ApiGatewayLoggingRole`, inline policy only
            deploy_options=apigw.StageOptions(
                stage_name=stage,
                throttling_rate_limit=config.api_throttle_rate_rps,
                throttling_burst_limit=config.api_throttle_burst,
                access_log_destination=apigw.LogGroupLogDestination(self.access_log_group),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=True,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=True,
                ),
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,  # full request logging would put credentials and JWTs in the logs
                tracing_enabled=True,
                metrics_enabled=True,
            ),
        )
        self.rest_api.deployment_stage.node.add_dependency(logging_role)
        # A web ACL where the stage's configuration asks for one (prod); elsewhere the stage's throttling only.
        self.web_acl = (
            ApiWebAcl(self, "WebAcl", stage=stage, settings=config.waf, api_stage=self.rest_api.deployment_stage)
            if config.waf
            else None
        )
        if self.web_acl is None:
            acknowledge(
                self.rest_api.deployment_stage,
                "APIG3",
                f"Stage {stage} has no WAF web ACL by its configuration (infra/stage_config.py): a development stage, "
                "throttled per stage; prod's stage has one (infra/constructs/web_acl.py).",
            )
        # The proxy methods declare no models or required parameters, so today this validator checks nothing
        # (FastAPI validates every request); it is attached so that any model or required parameter later
        # declared on a method is enforced before the function is invoked.
        self.request_validator = self.rest_api.add_request_validator(
            "RequestValidator", validate_request_body=True, validate_request_parameters=True
        )
        for handler in handlers:
            self._route(handler)
            if handler.entry.serves_docs and config.api_docs:
                self._route_docs(handler)

    def _route(self, handler: ApiHandler) -> None:
        # The alias, not the function: $LATEST has no SnapStart snapshot, and the invoke permission is on the alias.
        integration = apigw.LambdaIntegration(handler.alias, allow_test_invoke=False)
        for prefix in handler.entry.route_prefixes:
            prefix_resource = self.rest_api.root.resource_for_path(f"{API_PREFIX}{prefix}")
            for resource in (prefix_resource, prefix_resource.add_resource(PROXY_PATH_PART)):
                method = resource.add_method("ANY", integration, request_validator=self.request_validator)
                self._acknowledge_no_authorizer(
                    method,
                    "Authorization is done in the function: it verifies the app's JWT (python-jose, issue #3) and some "
                    "routes (sign-in, health) are public, so no API Gateway authorizer.",
                )

    def _route_docs(self, handler: ApiHandler) -> None:
        """GET of the documentation pages, their files and the OpenAPI document, to the function serving them."""
        integration = apigw.LambdaIntegration(handler.alias, allow_test_invoke=False)
        root = self.rest_api.root
        pages = [root.resource_for_path(path) for path in (DocsPaths.SWAGGER_UI, DocsPaths.REDOC, DocsPaths.OPENAPI)]
        assets = root.resource_for_path(DocsPaths.ASSETS).add_resource(PROXY_PATH_PART)
        for resource in (*pages, assets):
            method = resource.add_method("GET", integration, request_validator=self.request_validator)
            self._acknowledge_no_authorizer(method, DOCS_ARE_PUBLIC)

    @staticmethod
    def _acknowledge_no_authorizer(method: apigw.Method, reason: str) -> None:
        for finding in ("APIG4", "COG4"):
            acknowledge(method, finding, reason)
