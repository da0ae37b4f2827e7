"""The direction of travel between layers, read from the source (tests/infra/code_scan.py): a handler calls services,
never data access; data access imports neither the services nor the API above it."""

from infra.layout import FUNCTIONS_DIR
from tests.infra.code_scan import imports_of, project_modules


def within(package: str, module: str) -> bool:
    return module == package or module.startswith(f"{package}.")


def imports_into(importers: str, imported: tuple[str, ...]) -> set[tuple[str, str]]:
    """(importer, imported module) for every module of package `importers` that imports from `imported`."""
    return {
        (module, name)
        for module in project_modules()
        if within(importers, module)
        for name in imports_of(module)
        if any(within(package, name) for package in imported)
    }


def test_no_handler_imports_data_access() -> None:
    # Given every function's handler, each importing what it calls
    handlers = [f"functions.{path.parent.name}.handler" for path in FUNCTIONS_DIR.glob("*/handler.py")]
    assert handlers and all(imports_of(module) for module in handlers)

    # When the imports of the functions' modules into data access are listed, Then there are none
    assert imports_into("functions", ("shared.dal",)) == set()


def test_data_access_imports_neither_services_nor_the_api() -> None:
    # When the imports of data access modules into the services and the API are listed
    found = imports_into("shared.dal", ("shared.services", "shared.api"))

    # Then there are none: what both layers use (a card's scheduling state, ...) is in shared/domain
    assert found == set()
