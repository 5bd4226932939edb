"""Load one page in a fresh browser context and read its timings from the page itself.

Navigation timing (TTFB, DOMContentLoaded, load) and the paint entries come from the
Performance Timeline; an init script registers PerformanceObservers before any page script
runs, for largest-contentful-paint, layout-shift and longtask entries. Page weight and request
count come from the context's finished requests (encoded body bytes as received).
"""

import asyncio
from dataclasses import dataclass
from typing import Any

from playwright.async_api import BrowserContext, Request, Route

from exporters.probes import guard
from exporters.probes.browser_options import BrowserOptions

OBSERVERS = """(() => {
  const seen = {lcp: null, shifts: [], longtasks: []};
  Object.defineProperty(window, '__perfsight', {value: seen});
  const observe = (type, handle) => {
    try {
      new PerformanceObserver((list) => list.getEntries().forEach(handle))
        .observe({type, buffered: true});
    } catch (e) { /* an entry type this browser does not support */ }
  };
  observe('largest-contentful-paint', (e) => { seen.lcp = e.startTime; });
  observe('layout-shift', (e) => {
    if (!e.hadRecentInput) seen.shifts.push([e.startTime, e.value]);
  });
  observe('longtask', (e) => { seen.longtasks.push([e.startTime, e.duration]); });
})();"""

READ = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  const seen = window.__perfsight || {lcp: null, shifts: [], longtasks: []};
  return {
    ttfb: nav ? nav.responseStart : null,
    dcl: nav && nav.domContentLoadedEventEnd > 0 ? nav.domContentLoadedEventEnd : null,
    load: nav && nav.loadEventEnd > 0 ? nav.loadEventEnd : null,
    fcp: fcp ? fcp.startTime : null,
    lcp: seen.lcp, shifts: seen.shifts, longtasks: seen.longtasks, now: performance.now(),
  };
}"""

LONG_TASK_MS = 50.0
SESSION_GAP_MS = 1000.0
SESSION_MAX_MS = 5000.0


@dataclass
class PageTimings:
    """What one page load measured; times in milliseconds since navigation start."""

    status: int | None = None
    ttfb: float | None = None
    dcl: float | None = None
    load: float | None = None
    fcp: float | None = None
    lcp: float | None = None
    cumulative_layout_shift: float = 0.0
    total_blocking_time: float = 0.0
    page_bytes: int = 0
    requests: int = 0


async def measure(
    context: BrowserContext, url: str, options: BrowserOptions, headers: dict[str, str]
) -> PageTimings:
    """Load url in context, let it settle, and read what it measured.

    The configured headers (credentials, maybe) go with requests to the page's own origin
    only, not to the third parties a page loads from.
    """
    timings = PageTimings()
    finished: list[Request] = []

    def keep(request: Request) -> None:  # playwright cannot wrap a bound builtin method
        finished.append(request)

    context.on("requestfinished", keep)
    if headers:
        page_origin = guard.url_origin(url)
        await context.route("**/*", lambda route: _with_headers(
            route, headers if guard.url_origin(route.request.url) == page_origin else {}))
    await context.add_init_script(OBSERVERS)
    page = await context.new_page()
    response = await page.goto(url, wait_until=options.wait_until, timeout=0)
    timings.status = response.status if response is not None else None
    await asyncio.sleep(options.settle_seconds)
    read: dict[str, Any] = await page.evaluate(READ)
    for name in ("ttfb", "dcl", "load", "fcp", "lcp"):
        setattr(timings, name, read[name])
    timings.cumulative_layout_shift = cumulative_layout_shift(read["shifts"])
    timings.total_blocking_time = total_blocking_time(read["longtasks"], read["fcp"], read["now"])
    sizes = await asyncio.gather(*(request.sizes() for request in finished))
    timings.page_bytes = sum(size["responseBodySize"] for size in sizes)
    timings.requests = len(finished)
    return timings


async def _with_headers(route: Route, headers: dict[str, str]) -> None:
    """Send the request on with the headers added (none: unchanged)."""
    if headers:
        await route.continue_(headers={**await route.request.all_headers(), **headers})
    else:
        await route.continue_()


def cumulative_layout_shift(shifts: list[list[float]]) -> float:
    """Return CLS: the largest session window (gaps < 1 s, at most 5 s long) of shift scores."""
    largest = current = 0.0
    window_start = previous = float("-inf")
    for start, value in sorted(shifts):
        if start - previous >= SESSION_GAP_MS or start - window_start >= SESSION_MAX_MS:
            window_start, current = start, 0.0
        current += value
        previous = start
        largest = max(largest, current)
    return largest


def total_blocking_time(tasks: list[list[float]], fcp: float | None, end: float) -> float:
    """Return TBT: each long task's time beyond 50 ms, clipped to the span from FCP to end."""
    if fcp is None:
        return 0.0
    blocking = 0.0
    for start, duration in tasks:
        clipped = min(start + duration, end) - max(start, fcp)
        blocking += max(0.0, clipped - LONG_TASK_MS)
    return blocking
