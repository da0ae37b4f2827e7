"""IAM's decision on one action and resource for a role made of Allow statements: denied unless a statement allows
it, that is, names the action, matches the resource and has every condition hold.

Action names match case-insensitively, resources case-sensitively; both take IAM's wildcards (`*` any run of
characters, `/` and `:` included; `?` any one character). Conditions: the String operators (Equals, NotEquals,
EqualsIgnoreCase, NotEqualsIgnoreCase, Like, NotLike), each with or without IfExists; keys are compared
case-insensitively, several values of one key match if any does, several keys and operators must all hold. An
operator outside these is refused when the policy is compiled, so that no condition is silently ignored.
"""

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from shared.iam_policy import ConditionBlock, Statement

IF_EXISTS: Final = "IfExists"


@dataclass(frozen=True)
class Authorization:
    """One thing IAM decides: whether `action` may be done on `resource`, with the request's condition keys."""

    action: str
    resource: str
    context: Mapping[str, str] = field(default_factory=dict)  # condition key, lower case -> the request's value


def _wildcard_pattern(pattern: str, *, ignore_case: bool) -> re.Pattern[str]:
    expression = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(expression, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


class _Names:
    """A set of names or IAM wildcard patterns: exact names by hash lookup, patterns by one regular expression."""

    def __init__(self, patterns: Iterable[str], *, ignore_case: bool) -> None:
        self._fold: Callable[[str], str] = str.lower if ignore_case else str
        patterns = [self._fold(p) for p in patterns]
        self.exact = frozenset(p for p in patterns if "*" not in p and "?" not in p)
        self._wildcards = [_wildcard_pattern(p, ignore_case=False) for p in patterns if p not in self.exact]

    @property
    def has_wildcards(self) -> bool:
        return bool(self._wildcards)

    def match(self, name: str) -> bool:
        folded = self._fold(name)
        return folded in self.exact or any(pattern.fullmatch(folded) for pattern in self._wildcards)


@dataclass(frozen=True)
class _ConditionTest:
    key: str  # lower case
    matches: Callable[[str], bool]  # whether the request's value matches one of the condition's values
    negated: bool
    if_exists: bool

    def holds(self, context: Mapping[str, str]) -> bool:
        value = context.get(self.key)
        if value is None:  # a key the request does not carry: only IfExists and the negated operators hold
            return self.if_exists or self.negated
        return self.matches(value) != self.negated


def _string_test(operator: str, values: tuple[str, ...]) -> tuple[Callable[[str], bool], bool]:
    """(matches, negated) for a String operator without its IfExists."""
    if operator in ("StringEquals", "StringNotEquals"):
        expected = frozenset(values)
        return expected.__contains__, operator == "StringNotEquals"
    if operator in ("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"):
        folded = frozenset(v.lower() for v in values)
        return (lambda value: value.lower() in folded), operator == "StringNotEqualsIgnoreCase"
    if operator in ("StringLike", "StringNotLike"):
        patterns = [_wildcard_pattern(v, ignore_case=False) for v in values]
        return (lambda value: any(p.fullmatch(value) for p in patterns)), operator == "StringNotLike"
    raise ValueError(f"condition operator {operator!r} is not modelled by the local cloud's IAM")


def _condition_tests(condition: ConditionBlock) -> tuple[_ConditionTest, ...]:
    tests = []
    for operator, keys in condition.items():
        base = operator.removesuffix(IF_EXISTS)
        for key, values in keys.items():
            matches, negated = _string_test(base, (values,) if isinstance(values, str) else tuple(values))
            tests.append(_ConditionTest(key.lower(), matches, negated, if_exists=operator.endswith(IF_EXISTS)))
    return tuple(tests)


@dataclass(frozen=True)
class _CompiledStatement:
    actions: _Names
    resources: _Names
    conditions: tuple[_ConditionTest, ...]

    def allows(self, authorization: Authorization) -> bool:
        return self.resources.match(authorization.resource) and all(
            test.holds(authorization.context) for test in self.conditions
        )


class CompiledPolicy:
    """A role's statements, compiled once: each request then costs a dictionary lookup by action and a match of its
    resource against the few statements that name that action."""

    def __init__(self, statements: Iterable[Statement]) -> None:
        self._by_action: dict[str, list[_CompiledStatement]] = {}
        self._any_action: list[_CompiledStatement] = []  # statements with a wildcard action: tried for every action
        for statement in statements:
            compiled = _CompiledStatement(
                _Names(statement.actions, ignore_case=True),
                _Names(statement.resources, ignore_case=False),
                _condition_tests(statement.condition),
            )
            for action in compiled.actions.exact:
                self._by_action.setdefault(action, []).append(compiled)
            if compiled.actions.has_wildcards:
                self._any_action.append(compiled)

    def allows(self, authorization: Authorization) -> bool:
        action = authorization.action.lower()
        return any(s.allows(authorization) for s in self._by_action.get(action, ())) or any(
            s.actions.match(action) and s.allows(authorization) for s in self._any_action
        )
