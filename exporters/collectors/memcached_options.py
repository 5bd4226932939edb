"""The memcached kind's options (none yet) and default port."""

from typing import Any

from exporters.validation import Validator

DEFAULT_PORT = 11211


def parse_options(check: Validator, value: Any, path: str) -> None:
    """Validate a module's `memcached:` mapping: it has no options yet, so it must be empty."""
    check.mapping(value, path, set())
