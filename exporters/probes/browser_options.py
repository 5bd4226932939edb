"""The browser prober's options, validated with their full paths."""

from dataclasses import dataclass
from typing import Any, Literal, cast

from exporters.probes.http_options import Header, parse_headers
from exporters.probes.options import parse_bool, parse_string
from exporters.validation import Validator

# around Core Web Vitals' bounds: good up to 0.1, poor above 0.25
LAYOUT_SHIFT_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1.0)
FIELDS = {
    "executable", "viewport", "wait_until", "settle_seconds", "user_agent", "headers",
    "max_concurrent", "insecure_skip_verify",
}
WaitUntil = Literal["commit", "domcontentloaded", "load", "networkidle"]
WAIT_UNTIL = ("commit", "domcontentloaded", "load", "networkidle")
DEFAULT_EXECUTABLE = "/usr/bin/chromium"


@dataclass(frozen=True)
class BrowserOptions:
    """How a browser module loads a page and when it reads the timings."""

    executable: str = DEFAULT_EXECUTABLE
    viewport: tuple[int, int] = (1280, 720)
    wait_until: WaitUntil = "load"
    settle_seconds: float = 0.5
    user_agent: str = ""
    headers: tuple[Header, ...] = ()
    max_concurrent: int = 2
    insecure_skip_verify: bool = False


def parse_browser_options(check: Validator, value: Any, path: str) -> BrowserOptions:
    """Validate a browser module's options, recording every problem with its full path."""
    raw = check.mapping(value, path, FIELDS)
    wait_until = parse_string(check, raw.get("wait_until"), f"{path}.wait_until", "load")
    if wait_until not in WAIT_UNTIL:
        check.problems.append(f"{path}.wait_until: must be one of {', '.join(WAIT_UNTIL)}")
        wait_until = "load"
    return BrowserOptions(
        executable=parse_string(
            check, raw.get("executable"), f"{path}.executable", DEFAULT_EXECUTABLE
        ),
        viewport=_viewport(check, raw.get("viewport"), f"{path}.viewport"),
        wait_until=cast(WaitUntil, wait_until),
        settle_seconds=check.number(
            raw.get("settle_seconds"), f"{path}.settle_seconds", 0.5,
            lambda seconds: 0 <= seconds <= 30, "must be between 0 and 30 seconds",
        ),
        user_agent=parse_string(check, raw.get("user_agent"), f"{path}.user_agent", ""),
        headers=parse_headers(check, raw.get("headers"), f"{path}.headers"),
        max_concurrent=check.positive_int(
            raw.get("max_concurrent"), f"{path}.max_concurrent", 2
        ),
        insecure_skip_verify=parse_bool(
            check, raw.get("insecure_skip_verify"), f"{path}.insecure_skip_verify", False
        ),
    )


def _viewport(check: Validator, value: Any, path: str) -> tuple[int, int]:
    raw = check.mapping(value, path, {"width", "height"})
    return (
        check.positive_int(raw.get("width"), f"{path}.width", 1280),
        check.positive_int(raw.get("height"), f"{path}.height", 720),
    )
