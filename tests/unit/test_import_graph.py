"""The direction of travel between layers, read from the source (tests/infra/code_scan.py): a handler calls services,
never data access; data access imports neither the services nor the API above it; the services never touch a
stored item (PynamoDB), only repository functions and domain values."""

import inspect
from dataclasses import is_dataclass
from importlib import import_module
from types import ModuleType
from typing import get_args, get_type_hints

from pynamodb.attributes import Attribute
from pynamodb.indexes import Index
from pynamodb.models import Model

from infra.layout import FUNCTIONS_DIR
from tests.infra.code_scan import attributes_used, imported_names, imports_of, project_modules


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


STORAGE_CLASSES = (Model, Index, Attribute)  # an item, one of its indexes, one of its attributes


def is_storage_class(value: object) -> bool:
    return isinstance(value, type) and issubclass(value, STORAGE_CLASSES)


def defines_storage(module: ModuleType) -> bool:
    return any(is_storage_class(value) and value.__module__ == module.__name__ for value in vars(module).values())


def storage_types_in(annotation: object, seen: set[int]) -> set[str]:
    """The item, index and attribute classes a type mentions: in its arguments (`X | None`, `list[X]`) and in the
    fields of a dataclass it names, however deep."""
    if id(annotation) in seen:
        return set()
    seen.add(id(annotation))
    if is_storage_class(annotation):
        return {annotation.__name__}  # type: ignore[union-attr]
    found = {name for argument in get_args(annotation) for name in storage_types_in(argument, seen)}
    if isinstance(annotation, type) and is_dataclass(annotation):
        hints = get_type_hints(annotation)
        found |= {name for hint in hints.values() for name in storage_types_in(hint, seen)}
    return found


def storage_in_signature(function: object) -> set[str]:
    hints = get_type_hints(inspect.unwrap(function))  # type: ignore[arg-type]
    return {name for hint in hints.values() for name in storage_types_in(hint, set())}


def storage_reaching(module: str) -> set[str]:
    """How PynamoDB reaches a services module: an import of it, of an item, index or attribute class, or of a data
    access module defining them; a repository function it calls, or imports, that takes or returns one."""
    found = set()
    for package, name in imported_names(module):
        if within("pynamodb", package):
            found.add(f"imports {package}")
            continue
        if not within("shared.dal", package):
            continue
        source = import_module(package)
        value = source if name is None else getattr(source, name, None) or import_module(f"{package}.{name}")
        if isinstance(value, ModuleType):
            if defines_storage(value):
                found.add(f"imports {value.__name__}, which defines items")
            called = (getattr(value, attribute) for attribute in attributes_used(module, name or package))
            functions = [function for function in called if inspect.isfunction(function)]
        elif is_storage_class(value):
            found.add(f"imports {package}.{name}")
            functions = []
        else:
            functions = [value] if inspect.isfunction(value) else []
        for function in functions:
            found |= {
                f"calls {function.__module__}.{function.__name__} ({item})" for item in storage_in_signature(function)
            }
    return found


# The progress service still reads and changes its cards as items (ProgressItem) through these repository functions:
# moving it to card states (shared/domain/cards.py) is open (issue #12 item 1). The list may only shrink.
CARDS_STILL_AS_ITEMS = frozenset(
    {
        "apply_answer",
        "apply_state",
        "card_progress",
        "due_cards",
        "item_of",
        "new_card",
        "record_review",
        "review_context",
        "review_result",
        "set_suspended",
        "sentence_of",
        "state_of",
    }
)


def services_storage() -> set[tuple[str, str]]:
    services = [module for module in project_modules() if within("shared.services", module)]
    assert len(services) > 20
    return {(module, how) for module in services for how in storage_reaching(module)}


def test_services_import_neither_pynamodb_nor_an_item_class() -> None:
    # When what each services module imports is read
    imports = {(module, how) for module, how in services_storage() if how.startswith("imports")}

    # Then none imports PynamoDB, an item, index or attribute class, or a data access module that defines one
    assert imports == set()


def test_services_hand_and_are_handed_no_items() -> None:
    # When the repository functions each services module calls are read, with what they take and return
    calls = {(module, how) for module, how in services_storage() if how.startswith("calls")}

    # Then none takes or returns an item (in a list, an optional, a dataclass's fields), but the progress service's
    # cards, whose move to domain values is still open
    assert calls == {
        ("shared.services.progress", f"calls shared.dal.progress_repository.{name} (ProgressItem)")
        for name in CARDS_STILL_AS_ITEMS
    }


def test_the_services_check_sees_an_item_class_and_a_function_returning_one() -> None:
    # Given the data access module of users, which defines the user item, and a repository function returning items
    from shared.dal import users

    def first_users() -> list[users.UserItem]:
        return []

    # When the check reads them, Then it names the module, the class and the function's item
    assert defines_storage(users)
    assert is_storage_class(users.UserItem) and is_storage_class(users.UserItem.by_signup.__class__)
    assert storage_in_signature(first_users) == {"UserItem"}
