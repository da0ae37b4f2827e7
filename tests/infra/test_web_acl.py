"""WAF: prod's REST API stage is behind a REGIONAL web ACL (managed rule groups and a rate limit per IP); dev has
none, and acknowledges cdk-nag's APIG3 on its stage only."""

from typing import Any

import pytest

from infra.constructs.web_acl import OVERSIZED_BODY_RULE, RATE_LIMIT_RULE
from infra.stage_config import PROD
from tests.infra.conftest import SynthesizedApp, logical_id, resources_of_type
from tests.infra.test_nag import _acknowledged

pytestmark = pytest.mark.slow

MANAGED_GROUPS = [
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
]


@pytest.fixture(scope="module")
def prod_template(synthesized_prod: SynthesizedApp) -> dict[str, Any]:
    return synthesized_prod.template(synthesized_prod.api)


@pytest.fixture(scope="module")
def web_acl(prod_template: dict[str, Any]) -> dict[str, Any]:
    (acl,) = resources_of_type(prod_template, "AWS::WAFv2::WebACL").values()
    return acl["Properties"]


def test_dev_has_no_web_acl(synthesized: SynthesizedApp) -> None:
    # When dev's stacks are read, Then none has a web ACL or an association
    for stack in (synthesized.data, synthesized.storage, synthesized.api):
        template = synthesized.template(stack)
        assert not resources_of_type(template, "AWS::WAFv2::WebACL")
        assert not resources_of_type(template, "AWS::WAFv2::WebACLAssociation")


def test_prod_web_acl_is_regional_allows_by_default_and_is_visible(web_acl: dict[str, Any]) -> None:
    # When prod's web ACL is read
    # Then it is regional, allows what no rule blocks, and it and every rule send metrics and keep samples
    assert web_acl["Scope"] == "REGIONAL"
    assert web_acl["DefaultAction"] == {"Allow": {}}
    for config in [web_acl["VisibilityConfig"], *(rule["VisibilityConfig"] for rule in web_acl["Rules"])]:
        assert config["CloudWatchMetricsEnabled"] is True
        assert config["SampledRequestsEnabled"] is True


def test_prod_web_acl_is_associated_with_the_api_stage(
    synthesized_prod: SynthesizedApp, prod_template: dict[str, Any]
) -> None:
    # When prod's web ACL association is read
    (acl_id,) = resources_of_type(prod_template, "AWS::WAFv2::WebACL")
    (association,) = resources_of_type(prod_template, "AWS::WAFv2::WebACLAssociation").values()
    stage_id = logical_id(synthesized_prod.api.api.rest_api.deployment_stage)
    arn_parts = association["Properties"]["ResourceArn"]["Fn::Join"][1]

    # Then it puts the web ACL on the API's stage, referred to so that it is created after the stage
    assert association["Properties"]["WebACLArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}
    assert {"Ref": logical_id(synthesized_prod.api.api.rest_api)} in arn_parts
    assert arn_parts[-2:] == ["/stages/", {"Ref": stage_id}]  # the stage's Ref is its name: created after it


def test_rules_are_a_rate_limit_per_ip_then_the_managed_groups(web_acl: dict[str, Any]) -> None:
    # When prod's rules are read in priority order
    rules = sorted(web_acl["Rules"], key=lambda rule: rule["Priority"])
    rate, *managed = rules

    # Then the first blocks an IP over prod's rate in five minutes, and the others are AWS's managed groups, as they
    # decide, each with a priority of its own
    assert rate["Name"] == RATE_LIMIT_RULE
    assert rate["Action"] == {"Block": {}}
    assert PROD.waf is not None
    assert rate["Statement"]["RateBasedStatement"] == {
        "AggregateKeyType": "IP",
        "Limit": PROD.waf.requests_per_ip_per_5_minutes,
        "EvaluationWindowSec": 300,
    }
    assert [rule["Statement"]["ManagedRuleGroupStatement"]["Name"] for rule in managed] == MANAGED_GROUPS
    assert {rule["Statement"]["ManagedRuleGroupStatement"]["VendorName"] for rule in managed} == {"AWS"}
    assert {str(rule["OverrideAction"]) for rule in managed} == {str({"None": {}})}
    assert len({rule["Priority"] for rule in rules}) == len(rules)


def test_only_the_8_kb_body_rule_of_the_common_rule_set_is_counted_instead_of_blocking(web_acl: dict[str, Any]) -> None:
    """Our JSON bodies go up to 64 KiB (shared/api/middleware.py); SizeRestrictions_BODY blocks over 8 KB."""
    # When the managed groups' rule overrides are read
    overrides = {
        rule["Statement"]["ManagedRuleGroupStatement"]["Name"]: rule["Statement"]["ManagedRuleGroupStatement"].get(
            "RuleActionOverrides"
        )
        for rule in web_acl["Rules"]
        if "ManagedRuleGroupStatement" in rule["Statement"]
    }

    # Then only the common rule set's 8 kB body rule is overridden, to count instead of blocking
    assert overrides == {
        "AWSManagedRulesAmazonIpReputationList": None,
        "AWSManagedRulesCommonRuleSet": [{"Name": OVERSIZED_BODY_RULE, "ActionToUse": {"Count": {}}}],
        "AWSManagedRulesKnownBadInputsRuleSet": None,
    }


def test_apig3_is_acknowledged_on_the_dev_stage_only(
    synthesized: SynthesizedApp, synthesized_prod: SynthesizedApp
) -> None:
    # When dev's and prod's acknowledgements of APIG3 (a stage without a web ACL) are read
    dev = _acknowledged(synthesized, synthesized.api)
    prod = _acknowledged(synthesized_prod, synthesized_prod.api)

    # Then dev's stage, which has none, acknowledges it, and prod, which has one, does not
    assert dev["APIG3"] == {"/" + synthesized.api.api.rest_api.deployment_stage.node.path}
    assert "APIG3" not in prod
    assert synthesized.api.api.web_acl is None
    assert synthesized_prod.api.api.web_acl is not None
