"""cfn-lint finds nothing in the synthesized templates except W3005, a redundant DependsOn that CDK emits."""

from pathlib import Path

import pytest
from cfnlint.api import ManualArgs, lint_file  # type: ignore[import-untyped]

from tests.infra.conftest import SynthesizedApp

pytestmark = pytest.mark.slow

IGNORED_CHECKS = ["W3005"]


@pytest.mark.parametrize("which", ["dev", "prod"])
def test_templates_pass_cfn_lint(synthesized: SynthesizedApp, synthesized_prod: SynthesizedApp, which: str) -> None:
    """Dev's templates and prod's (which add the web ACL, reserved concurrency and other figures of their own)."""
    # Given the stage's synthesized templates, one for each stack
    synthesized = synthesized if which == "dev" else synthesized_prod
    templates = sorted(synthesized.directory.glob("*.template.json"))
    assert [t.name for t in templates] == sorted(f"{s.stack_name}.template.json" for s in synthesized.assembly.stacks)

    # When cfn-lint checks each, W3005 aside
    findings = {
        template.name: [
            f"{m.rule.id}: {m.message}" for m in lint_file(Path(template), ManualArgs(ignore_checks=IGNORED_CHECKS))
        ]
        for template in templates
    }

    # Then it finds nothing in any
    assert findings == {template.name: [] for template in templates}
