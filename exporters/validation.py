"""Walk untrusted YAML and record every problem with its path instead of stopping at one."""

import re
from collections.abc import Callable, Mapping
from typing import Any


class Validator:
    """Walk untrusted YAML, recording every problem with its path instead of stopping."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def mapping(self, value: Any, path: str, allowed: set[str]) -> Mapping[str, Any]:
        """Return value as a mapping (empty if it is not one), flagging unknown keys."""
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.problems.append(f"{path or '(top level)'}: must be a mapping")
            return {}
        for key in sorted(set(value) - allowed, key=str):
            self.problems.append(f"{_join(path, str(key))}: unknown field")
        return value

    def sequence(self, value: Any, path: str, items: str = "") -> list[Any]:
        """Return value as a list (empty if absent or not one, recording `a list of <items>`)."""
        if value is None:
            return []
        if not isinstance(value, list):
            self.problems.append(f"{path}: must be a list" + (f" of {items}" if items else ""))
            return []
        return value

    def regex(self, value: Any, path: str, default: str) -> str:
        """Return a valid regular expression, or the default after recording why not."""
        if value is None:
            return default
        if not isinstance(value, str):
            self.problems.append(f"{path}: must be a string (a regular expression)")
            return default
        try:
            re.compile(value)
        except re.error as error:
            self.problems.append(f"{path}: invalid regular expression: {error}")
            return default
        return value

    def number(
        self, value: Any, path: str, default: float, check: Callable[[float], bool], rule: str
    ) -> float:
        """Return a number that passes check, or the default after recording the rule."""
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float) or not check(value):
            self.problems.append(f"{path}: {rule}, got {value!r}")
            return default
        return float(value)

    def positive_int(self, value: Any, path: str, default: int) -> int:
        """Return a positive integer, or the default after recording why not."""
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.problems.append(f"{path}: must be a positive integer, got {value!r}")
            return default
        return value


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
