"""Prometheus durations (``30d``, ``1h30m``) to seconds and back."""

import re

UNIT_SECONDS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
_DURATION = re.compile(r"^(?:\d+[wdhms])+$")
_PART = re.compile(r"(\d+)([wdhms])")


def parse_duration(text: str) -> int | None:
    """Return the seconds a duration like ``1h30m`` spans, or None if it is not one."""
    if not _DURATION.match(text):
        return None
    return sum(int(count) * UNIT_SECONDS[unit] for count, unit in _PART.findall(text))


def format_duration(seconds: int) -> str:
    """Return the shortest d/h/m/s spelling of a whole number of seconds (0 is ``0s``)."""
    if seconds == 0:
        return "0s"
    parts = []
    for unit in ("d", "h", "m", "s"):
        count, seconds = divmod(seconds, UNIT_SECONDS[unit])
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)
