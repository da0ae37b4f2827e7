"""An API function's cold start without the garbage collector's passes over what it builds to keep."""

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def garbage_collection_paused() -> Iterator[None]:
    """Pause automatic garbage collection while a handler module imports and builds its app; then freeze what exists
    (`gc.freeze`: later collections skip those objects) and resume.

    An API function's init creates some 100,000 objects that live as long as the process (modules, classes, pydantic
    and FastAPI structures) and almost no garbage (under 1,000 unreachable objects after study_api's), yet its
    allocations set off full collections that scan them all: about 130 ms of study_api's 830 ms import on the
    development machine (bench/cold_start.py). Objects still die when nothing refers to them; only the few cycles
    left over from the import stay, frozen."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()
