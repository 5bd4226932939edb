"""The `browser` prober: a real headless Chromium loads the page and reports its timings."""

import asyncio
import concurrent.futures
import time

from playwright.async_api import Error
from prometheus_client.core import GaugeMetricFamily, Metric

from exporters.multitarget.base import (
    Module,
    Target,
    TransitionLog,
)
from exporters.names import browser as names
from exporters.names import probe as probe_names
from exporters.probes import guard
from exporters.probes.browser_options import BrowserOptions
from exporters.probes.browser_page import PageTimings, measure
from exporters.probes.browser_proxy import GuardProxy
from exporters.probes.browser_worker import BrowserWorker
from exporters.probes.result import BUDGET_SHARE, ProbeResult
from exporters.secrets import redact, reveal

MILLISECONDS = 1000.0

TIMINGS = {
    names.PROBE_BROWSER_TTFB_SECONDS: (
        "ttfb", "Time from navigation start to the document's first response byte"
    ),
    names.PROBE_BROWSER_DOM_CONTENT_LOADED_SECONDS: (
        "dcl", "Time from navigation start to the end of the DOMContentLoaded event"
    ),
    names.PROBE_BROWSER_LOAD_SECONDS: (
        "load", "Time from navigation start to the end of the load event"
    ),
    names.PROBE_BROWSER_FIRST_CONTENTFUL_PAINT_SECONDS: (
        "fcp", "Time from navigation start to the first contentful paint"
    ),
    names.PROBE_BROWSER_LARGEST_CONTENTFUL_PAINT_SECONDS: (
        "lcp", "Time from navigation start to the largest contentful paint"
    ),
    names.PROBE_BROWSER_TOTAL_BLOCKING_TIME_SECONDS: (
        "total_blocking_time", "Sum of long tasks' time beyond 50 ms from FCP to the end of "
        "the probe",
    ),
}
COUNTS = {
    names.PROBE_BROWSER_CUMULATIVE_LAYOUT_SHIFT: (
        "cumulative_layout_shift", "Largest session window of layout shift scores"
    ),
    names.PROBE_BROWSER_PAGE_BYTES: (
        "page_bytes", "Response body bytes received for the page and its subresources"
    ),
    names.PROBE_BROWSER_REQUESTS: ("requests", "Requests that completed while loading the page"),
}


class BrowserProber:
    """Load pages for one module in one shared browser, at most max_concurrent at a time."""

    def __init__(self, module: Module) -> None:
        self._options: BrowserOptions = module.options
        self._worker = BrowserWorker(self._options.executable)
        self._slots = asyncio.Semaphore(self._options.max_concurrent)
        self._log = TransitionLog(module.kind)

    @property
    def launches(self) -> int:
        """Return how many times the browser was started."""
        return self._worker.launches

    def probe(self, target: Target, timeout_seconds: float) -> list[Metric]:
        """Load the target URL; on failure or overrun report probe_success 0."""
        started = time.monotonic()
        budget = timeout_seconds * BUDGET_SHARE
        result = ProbeResult()
        timings: PageTimings | None = None
        secrets: list[str] = []
        refused: list[str] = []  # filled by the page's guard proxy, also when the page fails
        future = self._worker.submit(self._load(target.address, secrets, refused))
        try:
            timings = future.result(timeout=budget)
            error = _failure(timings)
        except concurrent.futures.TimeoutError:
            future.cancel()  # closes the page's context on the browser's loop
            error = f"page did not finish within {budget:.3f}s"
        except (Error, LookupError, OSError) as failure:
            error = redact(str(failure).splitlines()[0] if str(failure) else type(failure).__name__,
                           secrets)
            if refused:  # the document itself was refused: say so, not the browser's net error
                error = guard.refusal(refused[0])
        self._log.report(target, error)
        result.success = error is None
        families: list[Metric] = [_refused(len(refused))]
        if timings is not None:
            if timings.status is not None:
                result.set(probe_names.PROBE_HTTP_STATUS_CODE, timings.status)
            families += _families(timings)
        return result.families(time.monotonic() - started) + families

    async def _load(self, url: str, secrets: list[str], refused: list[str]) -> PageTimings:
        options = self._options
        headers = {name: reveal(item, secrets) or "" for name, item in options.headers}
        async with self._slots:
            proxy = GuardProxy(refused)  # every connection of the page goes through the guard
            try:
                context = await self._worker.new_context(
                    viewport={"width": options.viewport[0], "height": options.viewport[1]},
                    user_agent=options.user_agent or None,
                    ignore_https_errors=options.insecure_skip_verify,
                    # "<-loopback>": loopback is proxied too, not bypassed as by default
                    proxy={"server": await proxy.start(), "bypass": "<-loopback>"},
                )
                try:
                    return await measure(context, url, options, headers)
                finally:
                    await self._worker.close_context(context)
            except asyncio.CancelledError:  # the probe timed out: is the browser hung?
                await self._worker.check_responsive()
                raise
            finally:
                proxy.close()

    def close(self) -> None:
        """Stop the browser."""
        self._worker.close()


def _failure(timings: PageTimings) -> str | None:
    if timings.status is None:
        return "the page answered no document"
    if not 200 <= timings.status < 300:
        return f"the document's status is {timings.status}"
    return None


def _families(timings: PageTimings) -> list[Metric]:
    families: list[Metric] = []
    for table, scale in ((TIMINGS, MILLISECONDS), (COUNTS, 1.0)):
        for name, (field_name, help_text) in table.items():
            value = getattr(timings, field_name)
            if value is not None:
                families.append(GaugeMetricFamily(name, help_text, value=value / scale))
    return families


def _refused(count: int) -> Metric:
    return GaugeMetricFamily(
        names.PROBE_BROWSER_REFUSED_REQUESTS,
        "Requests of the page refused by the address guard", value=count,
    )
