"""What a function's code can call, read from the source (no import, no AWS): every module its handler reaches
through imports, and which of them call a given function. The infra tests compare that with the IAM grants."""

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

from infra.layout import FUNCTIONS_DIR, REPO_ROOT

PROJECT_PACKAGES = ("shared", "functions")
# Modules whose imports inside functions no function runs, so the scan does not follow them: `whole_api` builds the
# app of every router, for the local cloud and `make openapi`.
UNFOLLOWED_LAZY_IMPORTS: Final = frozenset({"shared.api.openapi"})


def _module_path(module: str) -> Path | None:
    base = REPO_ROOT.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


@cache
def _tree(module: str) -> ast.Module:
    path = _module_path(module)
    assert path is not None, module
    return ast.parse(path.read_text(), filename=str(path))


def _module_level(tree: ast.Module) -> Iterator[ast.AST]:
    """The statements run on import: the module's body and what `if`/`try`/`with` blocks there hold, not the bodies
    of functions or classes."""
    todo: list[ast.AST] = list(tree.body)
    while todo:
        node = todo.pop()
        yield node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            todo.extend(child for child in ast.iter_child_nodes(node) if isinstance(child, ast.stmt))


def _project_modules(node: ast.AST) -> Iterator[str]:
    """Project modules one import names: `from a.b import c` names `a.b.c` when that is a module, and `a.b`."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
    else:
        return
    for name in names:
        if name.split(".")[0] in PROJECT_PACKAGES and _module_path(name) is not None:
            yield name


def _imported(module: str) -> Iterator[str]:
    """Project modules `module` imports, when it is imported or inside its functions: a module a function imports
    where it needs it (to spare the cold start) is still code the function runs. Except in
    `UNFOLLOWED_LAZY_IMPORTS`."""
    for node in _module_level(_tree(module)):
        yield from _project_modules(node)
    if module not in UNFOLLOWED_LAZY_IMPORTS:
        yield from lazy_imports(module)


def lazy_imports(module: str) -> frozenset[str]:
    """Project modules imported inside the functions (or classes) of `module`."""
    at_import = set(_module_level(_tree(module)))
    return frozenset(
        name for node in ast.walk(_tree(module)) if node not in at_import for name in _project_modules(node)
    )


def imports_of(module: str) -> frozenset[str]:
    """Project modules `module` imports, when it is imported or inside its functions."""
    return frozenset(_imported(module)) | lazy_imports(module)


def imported_names(module: str) -> frozenset[tuple[str, str | None]]:
    """(module, name) of every import anywhere in `module`'s code, from any package: `from a.b import c` gives
    ("a.b", "c"), `import a.b` gives ("a.b", None)."""
    found: set[tuple[str, str | None]] = set()
    for node in ast.walk(_tree(module)):
        if isinstance(node, ast.Import):
            found.update((alias.name, None) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.update((node.module, alias.name) for alias in node.names)
    return frozenset(found)


def attributes_used(module: str, name: str) -> frozenset[str]:
    """The attributes `module`'s code reads of the name `name` (`name.attribute`): the functions of an imported
    module it calls, say."""
    return frozenset(
        node.attr
        for node in ast.walk(_tree(module))
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == name
    )


def project_modules() -> list[str]:
    """Every module of the project's packages."""
    return sorted(
        ".".join(path.relative_to(REPO_ROOT).with_suffix("").parts).removesuffix(".__init__")
        for package in PROJECT_PACKAGES
        for path in (REPO_ROOT / package).rglob("*.py")
    )


@cache
def reachable_modules(function_name: str) -> frozenset[str]:
    """Every project module the handler of `functions/<function_name>/` imports, directly or not, at once or where
    its functions need it."""
    start = f"functions.{function_name}.handler"
    assert (FUNCTIONS_DIR / function_name / "handler.py").is_file(), start
    seen, todo = {start}, [start]
    while todo:
        for name in _imported(todo.pop()):
            if name not in seen:
                seen.add(name)
                todo.append(name)
    return frozenset(seen)


@dataclass(frozen=True)
class CallSite:
    module: str
    function: str  # the called name, e.g. `object_exists`
    # Attributes of `MediaPrefixes` the calling module uses: the key prefixes it builds keys from.
    media_prefixes: frozenset[str]


def _called_names(module: str) -> set[str]:
    names = set()
    for node in ast.walk(_tree(module)):
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute):
                names.add(node.func.attr)
            elif isinstance(node.func, ast.Name):
                names.add(node.func.id)
    return names


def functions_calling(module: str, method: str) -> frozenset[str]:
    """Names of the top-level functions of `module` whose body calls `method` (e.g. a boto3 client's `head_object`)."""
    return frozenset(
        node.name
        for node in _tree(module).body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and any(
            isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == method
            for call in ast.walk(node)
        )
    )


def call_sites(function_name: str, defining_module: str, called: frozenset[str]) -> list[CallSite]:
    """Where the code of `function_name` calls one of `called` (functions of `defining_module`)."""
    return [
        CallSite(module, name, attributes_used(module, "MediaPrefixes"))
        for module in sorted(reachable_modules(function_name) - {defining_module})
        for name in sorted(called & _called_names(module))
    ]
