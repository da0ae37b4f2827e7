"""An API function's import runs without garbage collection, which resumes afterwards over fewer objects."""

import gc
import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from shared.api.init_phase import garbage_collection_paused
from shared.catalog import API_FUNCTIONS, ApiFunction

# In a fresh interpreter, as in a new execution environment: what importing the handler module does to collection.
IMPORT_A_HANDLER = """
import gc, json
import functions.{name}.handler
print(json.dumps({{"full_collections": gc.get_stats()[2]["collections"], "enabled": gc.isenabled(),
                  "frozen": gc.get_freeze_count()}}))
"""


@pytest.fixture
def collection_restored() -> Iterator[None]:
    """What a test freezes is unfrozen after it, and collection is left as it was."""
    was_enabled = gc.isenabled()
    yield
    gc.unfreeze()
    if was_enabled:
        gc.enable()


@pytest.mark.parametrize("entry", API_FUNCTIONS, ids=lambda entry: entry.name)
def test_importing_a_handler_runs_no_full_collection_and_freezes_what_it_built(entry: ApiFunction) -> None:
    # Given a fresh interpreter, as in a new execution environment
    environment = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1"}

    # When it imports the API function's handler module
    output = subprocess.run(
        [sys.executable, "-c", IMPORT_A_HANDLER.format(name=entry.name)],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    after_import = json.loads(output.strip().splitlines()[-1])

    # Then the import ran no full collection, collection is back on, and what the import built is frozen
    # with collection on, the same import ran two full collections (of ~100,000 objects each)
    assert after_import == {"full_collections": 0, "enabled": True, "frozen": after_import["frozen"]}
    assert after_import["frozen"] > 50_000


def _fail_while_paused() -> None:
    with garbage_collection_paused():
        assert not gc.isenabled()
        raise ImportError("a broken handler module")


@pytest.mark.usefixtures("collection_restored")
def test_collection_resumes_even_when_the_import_fails() -> None:
    # When a handler import fails while collection is paused
    with pytest.raises(ImportError, match="broken"):
        _fail_while_paused()

    # Then the error reaches the caller and collection is back on
    assert gc.isenabled()


@pytest.mark.usefixtures("collection_restored")
def test_collection_stays_off_where_it_was_off() -> None:
    # Given collection turned off before the import
    gc.disable()

    # When an import runs paused
    with garbage_collection_paused():
        pass

    # Then collection is still off afterwards
    assert not gc.isenabled()
