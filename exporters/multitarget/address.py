"""Split a probe target's `host:port` address, with the kind's default port; name it safely."""

import re
from urllib.parse import urlsplit

from exporters.secrets import REDACTED

_USERINFO = re.compile(r"\b([a-z][a-z0-9+.-]*://)[^/?#\s@]*@", re.IGNORECASE)
_QUERY = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^?#\s]*\?)([^#\s'\"]*)", re.IGNORECASE)


def split_host_port(address: str, default_port: int) -> tuple[str, int]:
    """Split `host:port`, `[v6]:port` or `host` (then the default port); raise ValueError."""
    try:
        parts = urlsplit(f"//{address}")
        port = parts.port
    except ValueError as error:
        raise ValueError(f"invalid address {address!r}: {error}") from None
    if not parts.hostname or parts.path or parts.query or parts.fragment or "@" in address:
        raise ValueError(f"invalid address {address!r}: want host:port")
    return parts.hostname, port or default_port


def _masked_query(match: re.Match[str]) -> str:
    """Keep a query's parameter names, replace every value (tokens often travel there)."""
    names = (field.partition("=")[0] for field in match.group(2).split("&"))
    return match.group(1) + "&".join(f"{name}={REDACTED}" for name in names)


def without_credentials(text: str) -> str:
    """Return the text with every URL's `user:password@` and query values replaced."""
    return _QUERY.sub(_masked_query, _USERINFO.sub(rf"\1{REDACTED}@", text))
