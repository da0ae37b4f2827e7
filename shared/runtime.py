"""Start-up of a function's execution environment, shared by API and event-driven functions."""

from functools import cache

from shared.dal.tables import bind_tables
from shared.settings import get_settings


@cache
def configure() -> None:
    """Validate settings and bind every table to this stage: once per execution environment (cold start).

    Called on the first invocation rather than at import, so that importing a handler reads no environment.
    """
    bind_tables(get_settings())
