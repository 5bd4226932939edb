"""Credentials by reference: `{env: NAME}` or `{file: PATH}`, read at use, never printed."""

import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from exporters.validation import Validator

REDACTED = "<redacted>"


@dataclass(frozen=True)
class SecretRef:
    """Where a secret lives; its value is read on every use so rotation needs no restart."""

    env: str | None = None
    file: str | None = None

    def __repr__(self) -> str:
        where = f"env {self.env}" if self.env else f"file {self.file}"
        return f"SecretRef({where})"

    def read(self) -> str:
        """Return the secret's value; raise LookupError naming the reference, never the value."""
        value = self._value()
        # every secret is one line (a password, a token, a header value): a line break inside
        # would let a file inject headers into a probe's request
        if breaks_a_line(value):
            raise LookupError(f"{self._where} holds a line break or NUL inside its value")
        return value

    @property
    def _where(self) -> str:
        """Name the reference in an error text."""
        return f"environment variable {self.env}" if self.env else f"secret file {self.file}"

    def _value(self) -> str:
        """Read the value as stored, without a file's trailing line break."""
        if self.env is not None:
            value = os.environ.get(self.env)
            if value is None:
                raise LookupError(f"{self._where} is not set")
            return value
        assert self.file is not None
        try:
            with open(self.file, encoding="utf-8") as handle:
                return handle.read().rstrip("\r\n")
        except OSError as error:
            raise LookupError(f"cannot read {self._where}: {error.strerror}") from None


def breaks_a_line(value: str) -> bool:
    """Tell whether a value meant for one line (a secret, a header value) holds CR, LF or NUL."""
    return any(character in value for character in "\r\n\0")


def parse_secret(check: Validator, value: Any, path: str) -> SecretRef | None:
    """Validate a `{env: NAME}` / `{file: PATH}` reference; plain strings are refused."""
    if value is None:
        return None
    if isinstance(value, str):
        check.problems.append(
            f"{path}: must be a reference {{env: NAME}} or {{file: PATH}}, not a literal secret"
        )
        return None
    ref = check.mapping(value, path, {"env", "file"})
    env, file = ref.get("env"), ref.get("file")
    if (env is None) == (file is None):
        check.problems.append(f"{path}: needs exactly one of 'env' or 'file'")
        return None
    for key, item in (("env", env), ("file", file)):
        if item is not None and (not isinstance(item, str) or not item):
            check.problems.append(f"{path}.{key}: must be a non-empty string")
            return None
    return SecretRef(env=env, file=file)


def reveal(value: str | SecretRef | None, secrets: list[str]) -> str | None:
    """Return a plain value, or read a reference and add what it holds to the secrets to redact."""
    if not isinstance(value, SecretRef):
        return value
    secret = value.read()
    secrets.append(secret)
    return secret


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every occurrence of each non-empty secret in text."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text
