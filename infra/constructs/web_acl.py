"""The AWS WAF web ACL in front of the REST API stage, on the stages whose configuration asks for one (prod).

Rules, in order: a rate limit per client IP, Amazon's IP reputation list, the core rule set and the known-bad-inputs
rule set, all AWS managed. Every rule sends CloudWatch metrics and keeps sampled requests.

The core rule set's `SizeRestrictions_BODY` blocks any body over 8 KB, and this API accepts JSON bodies up to 64 KB:
that one rule is overridden to COUNT, so it still shows in the metrics and the
samples but blocks nothing. The rest of the core rule set inspects the first 16 KB of a body (API Gateway's default
inspection size; more costs extra per request).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from infra.stage_config import WafSettings
from shared.constants import physical_name

AWS_VENDOR: Final = "AWS"
RATE_LIMIT_RULE: Final = "rate-limit-per-ip"
RATE_WINDOW_SECONDS: Final = 300
OVERSIZED_BODY_RULE: Final = "SizeRestrictions_BODY"


@dataclass(frozen=True)
class ManagedRuleGroup:
    name: str
    counted_rules: tuple[str, ...] = ()  # rules of the group overridden to COUNT (matched and measured, never block)


MANAGED_RULE_GROUPS: Final = (
    ManagedRuleGroup("AWSManagedRulesAmazonIpReputationList"),
    ManagedRuleGroup("AWSManagedRulesCommonRuleSet", counted_rules=(OVERSIZED_BODY_RULE,)),
    ManagedRuleGroup("AWSManagedRulesKnownBadInputsRuleSet"),
)


def _visibility(metric_name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=metric_name, sampled_requests_enabled=True
    )


class ApiWebAcl(Construct):
    """A REGIONAL web ACL that allows by default, and its association with the REST API's stage."""

    def __init__(
        self, scope: Construct, construct_id: str, *, stage: str, settings: WafSettings, api_stage: apigw.Stage
    ) -> None:
        super().__init__(scope, construct_id)
        name = physical_name(stage, "api")
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            name=name,
            description=f"kotoba {stage}: in front of the REST API stage",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=_visibility(name),
            rules=[self._rate_rule(stage, settings), *self._managed_rules(stage, MANAGED_RULE_GROUPS, first=1)],
        )
        self.association = wafv2.CfnWebACLAssociation(
            self, "Association", resource_arn=api_stage.stage_arn, web_acl_arn=self.web_acl.attr_arn
        )  # the stage ARN ends with a Ref to the stage: the association is created after it

    @staticmethod
    def _rate_rule(stage: str, settings: WafSettings) -> wafv2.CfnWebACL.RuleProperty:
        return wafv2.CfnWebACL.RuleProperty(
            name=RATE_LIMIT_RULE,
            priority=0,
            action=wafv2.CfnWebACL.RuleActionProperty(block={}),
            statement=wafv2.CfnWebACL.StatementProperty(
                rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                    aggregate_key_type="IP",
                    limit=settings.requests_per_ip_per_5_minutes,
                    evaluation_window_sec=RATE_WINDOW_SECONDS,
                )
            ),
            visibility_config=_visibility(physical_name(stage, RATE_LIMIT_RULE)),
        )

    @staticmethod
    def _managed_rules(
        stage: str, groups: Sequence[ManagedRuleGroup], first: int
    ) -> list[wafv2.CfnWebACL.RuleProperty]:
        return [
            wafv2.CfnWebACL.RuleProperty(
                name=group.name,
                priority=first + offset,
                override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                statement=wafv2.CfnWebACL.StatementProperty(
                    managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                        vendor_name=AWS_VENDOR,
                        name=group.name,
                        rule_action_overrides=[
                            wafv2.CfnWebACL.RuleActionOverrideProperty(
                                name=rule, action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={})
                            )
                            for rule in group.counted_rules
                        ]
                        or None,
                    )
                ),
                visibility_config=_visibility(physical_name(stage, group.name)),
            )
            for offset, group in enumerate(groups)
        ]
