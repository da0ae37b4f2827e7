"""The TypeScript client in clients/typescript: it type-checks against the generated types, and those types are
generated from the committed docs/openapi.json as it is now (`make openapi` regenerates both)."""

import pytest

from tests.node_tools import CLIENT_DIR, run_node_tool

pytestmark = pytest.mark.slow  # the Node toolchain


def test_the_client_and_its_example_type_check() -> None:
    # Given the hand-written client, its example and the generated types, When tsc checks them
    checked = run_node_tool(CLIENT_DIR, "npx", "tsc", "--noEmit")

    # Then there is no type error
    assert (checked.returncode, checked.stdout) == (0, ""), checked.stdout + checked.stderr


def test_the_generated_types_are_those_of_the_committed_document() -> None:
    # Given docs/openapi.json as committed, When openapi-typescript compares what it would write with schema.d.ts
    checked = run_node_tool(CLIENT_DIR, "npm", "run", "--silent", "check-generated")

    # Then they are the same; after an API change, `make openapi` writes both the document and the types
    assert checked.returncode == 0, f"clients/typescript/src/schema.d.ts is stale: run `make openapi`\n{checked.stderr}"


def test_the_hand_written_session_passes_its_node_tests() -> None:
    # Given the session's tests against a fake server (clients/typescript/test), When node's test runner runs them
    ran = run_node_tool(CLIENT_DIR, "npm", "test", "--silent")

    # Then all pass: one refresh for requests that got a 401 together, none for a wrong password
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "# pass 3\n# fail 0" in ran.stdout
