"""The browser prober: a real headless Chromium against a local origin with known behaviour."""

import contextlib
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
import requests
from prometheus_client.core import CollectorRegistry, Metric
from prometheus_client.exposition import generate_latest

from exporters.multitarget.base import Target
from exporters.multitarget.kinds import KINDS_BY_NAME
from exporters.names import browser as names
from exporters.names import probe as probe_names
from exporters.probes import guard
from exporters.probes.browser import BrowserProber
from exporters.probes.browser_page import cumulative_layout_shift, total_blocking_time
from exporters.probes.guard import AddressGuard, parse_guard
from exporters.validation import Validator
from tests.harness.outage import exporter_ahead_of_other_load, timed_probe
from tests.harness.page_origin import IMAGE, PageOrigin, running_page_origin
from tests.harness.probe_client import Values, parse, secret_file
from tests.harness.servers import real_time_scheduling, require_binary
from tests.probe_helpers import module, value

TIMEOUT = 15.0
LONG_TIMEOUT = 60.0  # probes that also launch Chromium or wait for a free page (busy hosts)


class _Families:
    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> list[Metric]:
        return self._families


@dataclass
class Launched:
    """A prober whose browser runs, and the Playwright driver it started (Chromium's parent)."""

    prober: BrowserProber
    driver: psutil.Process


def children() -> set[psutil.Process]:
    """Return this process's direct children (psutil tells a reused pid apart by start time)."""
    return set(psutil.Process().children())


def new_driver(before: set[psutil.Process]) -> psutil.Process:
    """Return the one Playwright driver that became a child of this process since `before`.

    An in-process prober starts its driver (`cli.js run-driver`) as a child of this process at
    its first launch; the driver starts Chromium. A driver other than the prober's under test
    (an exporter's is its grandchild) is never mistaken for it.
    """
    drivers = []
    for child in children() - before:
        with contextlib.suppress(psutil.Error):  # a short-lived child may be gone already
            if "run-driver" in child.cmdline():
                drivers.append(child)
    assert len(drivers) == 1, drivers
    return drivers[0]


@contextlib.contextmanager
def launched_prober(origin: PageOrigin, *, real_time: bool = False) -> Iterator[Launched]:
    """Start a prober's browser with a first page load; stop it afterwards.

    real_time: the prober's thread is made under SCHED_RR, so the driver and Chromium it
    starts inherit it (Chromium keeps the policy; a nice value it resets per thread, to 0 for
    most, so `nice -10` reaches the driver only: the fallback without the privilege).
    """
    before = children()
    with real_time_scheduling() if real_time else contextlib.nullcontext():
        browser = BrowserProber(module("browser", {"settle_seconds": 0.5}))
    try:
        warm = probe(browser, origin.page("warm-up"), LONG_TIMEOUT)
        assert value(warm, probe_names.PROBE_SUCCESS) == 1
        yield Launched(browser, new_driver(before))
    finally:
        browser.close()


@pytest.fixture(scope="module")
def origin() -> Iterator[PageOrigin]:
    with running_page_origin() as running:
        yield running


@pytest.fixture(scope="module")
def launched(origin: PageOrigin) -> Iterator[Launched]:
    # launched here, so the tests' timings and timeouts measure page loads, not the launch
    with launched_prober(origin) as running:
        yield running


@pytest.fixture(scope="module")
def prober(launched: Launched) -> BrowserProber:
    return launched.prober


def probe(prober: BrowserProber, url: str, timeout: float = TIMEOUT) -> Values:
    registry = CollectorRegistry()
    registry.register(_Families(prober.probe(Target(url, url), timeout)))
    return parse(generate_latest(registry).decode())


def ttfb_within_causal_bounds(values: Values, origin: PageOrigin, page_id: str,
                              delay: float, started: float) -> float:
    """Check TTFB against what the origin saw, whatever the host's load; return it.

    TTFB runs from navigation start (after `started`) to the document's first byte reaching
    the browser: never below the origin's delay, and always before the origin receives the
    image request the browser can only send once that document arrived. A TTFB measured to
    a later milestone (DOMContentLoaded, load, a paint) lands beyond that arrival.
    """
    ttfb = value(values, names.PROBE_BROWSER_TTFB_SECONDS)
    assert delay <= ttfb < origin.arrival(page_id, "/image.png") - started
    return ttfb


def served_totals(origin: PageOrigin, page_id: str) -> tuple[int, int]:
    served = origin.served_for(page_id)
    return sum(size for _path, size in served), len(served)


@pytest.mark.integration
def test_shifting_page_with_a_long_task(origin: PageOrigin) -> None:
    # The page reports once its own observers saw its first paint, its layout shift (made
    # after that paint) and its long task; its image, and so its load event, wait for that
    # report: perfsight, reading after load and its settle, has seen all three, however slowly
    # a loaded host's Chromium paints. Chromium runs real-time here: TBT's upper bound says
    # the page's other tasks are short, and a host's run queue would stretch them.
    with launched_prober(origin, real_time=True) as launched:
        started = time.monotonic()
        values = probe(launched.prober, origin.page(
            "shift", ttfb_ms=600, image_ms=600, shift=1, block_ms=300, report=1))
        finished = time.monotonic()
    assert value(values, probe_names.PROBE_SUCCESS) == 1
    assert value(values, probe_names.PROBE_HTTP_STATUS_CODE) == 200
    ttfb = ttfb_within_causal_bounds(values, origin, "shift", 0.6, started)
    fcp = value(values, names.PROBE_BROWSER_FIRST_CONTENTFUL_PAINT_SECONDS)
    lcp = value(values, names.PROBE_BROWSER_LARGEST_CONTENTFUL_PAINT_SECONDS)
    # the image is requested after the document's first byte and paints after it arrives
    assert ttfb + 0.6 <= lcp <= finished - started
    assert ttfb <= fcp <= lcp
    assert value(values, names.PROBE_BROWSER_DOM_CONTENT_LOADED_SECONDS) <= value(
        values, names.PROBE_BROWSER_LOAD_SECONDS
    )
    seen = origin.reports["shift"]  # the page's own view, before its load event
    # a 200 px banner pushes the paragraph and the 320x240 image down a 1280x720 viewport
    cls = value(values, names.PROBE_BROWSER_CUMULATIVE_LAYOUT_SHIFT)
    assert 0.05 < cls < 0.5, seen
    # one 300 ms task after FCP blocks 250 ms; the page's other tasks are short. perfsight
    # counts at least the blocking the page itself saw up to its report (the same entries,
    # the same FCP, summed alike; its window goes on to its read)
    tbt = value(values, names.PROBE_BROWSER_TOTAL_BLOCKING_TIME_SECONDS)
    assert 0.25 <= tbt <= 0.45, seen
    assert float(seen["tbt"]) / 1000 <= tbt, seen
    page_bytes, requests_served = served_totals(origin, "shift")
    assert requests_served == 3  # the document, its image and its report
    assert value(values, names.PROBE_BROWSER_PAGE_BYTES) == page_bytes
    assert value(values, names.PROBE_BROWSER_REQUESTS) == requests_served


@pytest.mark.integration
def test_stable_page_has_no_layout_shift(prober: BrowserProber, origin: PageOrigin) -> None:
    started = time.monotonic()
    values = probe(prober, origin.page("stable", ttfb_ms=100, image_ms=600))
    assert value(values, probe_names.PROBE_SUCCESS) == 1
    ttfb = ttfb_within_causal_bounds(values, origin, "stable", 0.1, started)
    assert value(values, names.PROBE_BROWSER_CUMULATIVE_LAYOUT_SHIFT) == 0
    assert value(values, names.PROBE_BROWSER_LARGEST_CONTENTFUL_PAINT_SECONDS) >= ttfb + 0.6
    page_bytes, requests_served = served_totals(origin, "stable")
    assert value(values, names.PROBE_BROWSER_PAGE_BYTES) == page_bytes
    assert page_bytes > len(IMAGE)
    assert value(values, names.PROBE_BROWSER_REQUESTS) == requests_served == 2


@pytest.mark.integration
def test_request_to_a_refused_address_is_blocked(
    prober: BrowserProber, origin: PageOrigin
) -> None:
    values = probe(prober, origin.page("refused", refused=1))
    assert value(values, probe_names.PROBE_SUCCESS) == 1
    assert value(values, names.PROBE_BROWSER_REFUSED_REQUESTS) == 1
    assert value(values, names.PROBE_BROWSER_REQUESTS) == 2  # the page and its own image


@pytest.mark.integration
def test_a_redirect_to_a_refused_address_is_blocked(
    prober: BrowserProber, origin: PageOrigin
) -> None:
    # Playwright's routes never see redirect hops: the page's proxy checks them
    with running_page_origin("127.0.0.2") as refused_origin:
        guard.install(AddressGuard(parse_guard(Validator(), {"deny": ["127.0.0.2/32"]})))
        try:
            values = probe(prober, origin.page("via", image_via=refused_origin.page("inner")))
            direct = probe(prober, refused_origin.page("direct"))
        finally:
            guard.install(AddressGuard())
        assert refused_origin.served == []  # no request reached the refused address
    assert value(values, probe_names.PROBE_SUCCESS) == 1
    assert value(values, names.PROBE_BROWSER_REFUSED_REQUESTS) == 1
    assert value(direct, probe_names.PROBE_SUCCESS) == 0
    assert value(direct, names.PROBE_BROWSER_REFUSED_REQUESTS) == 1  # the document itself


@pytest.mark.integration
def test_error_status_fails_the_probe(prober: BrowserProber, origin: PageOrigin) -> None:
    values = probe(prober, origin.page("error", status=503))
    assert value(values, probe_names.PROBE_SUCCESS) == 0
    assert value(values, probe_names.PROBE_HTTP_STATUS_CODE) == 503


@pytest.mark.integration
def test_at_most_max_concurrent_pages_load_at_once(prober: BrowserProber) -> None:
    results: list[Values] = []
    # a fresh origin: no other test's page (the end-to-end test's hung image) counts here.
    # Each document waits for its round's other one, then 2 s: the two slots' pages are held
    # together however far apart a loaded host sends them, and a third page loading at once
    # would arrive while they wait. A document leaves the count before its answer's first
    # byte, so the next page (which needs a slot freed by a finished page) never overlaps it.
    with running_page_origin() as fresh:
        threads = [
            threading.Thread(target=lambda n=n: results.append(
                # the wait for a free page counts against a probe's timeout: the later two
                # wait a round, which a busy host can stretch past the usual 15 s
                probe(prober, fresh.page(f"parallel-{n}", ttfb_ms=2000, gather=2), LONG_TIMEOUT)
            ))
            for n in range(4)
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=2 * LONG_TIMEOUT)
        elapsed = time.monotonic() - started
    assert [value(result, probe_names.PROBE_SUCCESS) for result in results] == [1, 1, 1, 1]
    assert fresh.most_documents_in_flight == 2  # the default max_concurrent, and it was used
    assert elapsed >= 2 * 2.0  # four 2 s pages, two at a time: two rounds at least


def chromium_processes(driver: psutil.Process) -> list[psutil.Process]:
    """Return the Chromium processes below one prober's driver (no other prober's browser)."""
    found = []
    with contextlib.suppress(psutil.NoSuchProcess):  # the driver itself was stopped
        for child in driver.children(recursive=True):
            with contextlib.suppress(psutil.NoSuchProcess):  # Chromium's helpers come and go
                if "chrom" in child.name():
                    found.append(child)
    return found


@pytest.mark.integration
def test_browser_started_again_after_it_died(launched: Launched, origin: PageOrigin) -> None:
    prober = launched.prober
    assert value(probe(prober, origin.page("before-kill")), probe_names.PROBE_SUCCESS) == 1
    launches = prober.launches
    browsers = chromium_processes(launched.driver)
    assert browsers
    for child in browsers:
        with contextlib.suppress(psutil.NoSuchProcess):  # gone with the main process already
            child.kill()
    psutil.wait_procs(browsers, timeout=10)
    after = probe(prober, origin.page("after-kill"), LONG_TIMEOUT)
    assert value(after, probe_names.PROBE_SUCCESS) == 1
    assert prober.launches == launches + 1


@pytest.mark.integration
def test_slow_start_and_hung_browser(
    origin: PageOrigin, caplog: pytest.LogCaptureFixture
) -> None:
    """A probe timing out during launch does not abort it; a frozen browser is replaced."""
    before = children()
    prober = BrowserProber(module("browser", {"settle_seconds": 0.1}))
    frozen: list[psutil.Process] = []
    try:
        assert value(probe(prober, origin.page("early"), 0.3), probe_names.PROBE_SUCCESS) == 0
        launched = probe(prober, origin.page("launched"), LONG_TIMEOUT)
        assert value(launched, probe_names.PROBE_SUCCESS) == 1
        assert prober.launches == 1

        frozen = []
        for process in chromium_processes(new_driver(before)):  # this prober's browser only
            # a short-lived helper may exit between the listing and the signal
            with contextlib.suppress(psutil.NoSuchProcess):
                process.suspend()
                frozen.append(process)
        assert frozen
        # timed ahead of the host's load: the probe waits on this thread, and starts none
        with real_time_scheduling():
            started = time.monotonic()
            values = probe(prober, origin.page("frozen"), 3.0)
            elapsed = time.monotonic() - started
        assert elapsed < 3.0
        assert value(values, probe_names.PROBE_SUCCESS) == 0
        # the frozen browser cannot close the page: its driver is stopped and a new one starts
        values = probe(prober, origin.page("replaced"), LONG_TIMEOUT)
        assert value(values, probe_names.PROBE_SUCCESS) == 1
        assert prober.launches == 2
        # a browser found hung is killed, with its driver, before the replacement starts,
        # not first given 5 s to close (which a hung browser never does)
        _gone, alive = psutil.wait_procs(frozen, timeout=0.1)
        assert alive == []
        assert any(line.endswith("restarting it") for line in caplog.messages)
        assert not any("did not stop within" in line for line in caplog.messages)
    finally:
        for process in frozen:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
        prober.close()


@pytest.mark.integration
def test_exporter_probe_end_to_end(origin: PageOrigin, tmp_path: Path) -> None:
    token = secret_file(tmp_path, "token", "s3cret-token")
    modules = {"page": {"prober": "browser", "timeout_seconds": 20, "browser": {
        "settle_seconds": 0.2, "user_agent": "perfsight-test/1", "viewport": {"width": 800},
        "headers": {"X-Probe-Token": token},
    }}}
    third_party = origin.url.replace("127.0.0.1", "localhost")  # the same server, another origin
    targets = {"good": (origin.page("e2e", ttfb_ms=50), "page"),
               "cross": (origin.page("cross", image_base=third_party), "page"),
               "hang": (origin.page("hang", image_ms=600_000), "page")}
    # the exporter runs real-time (its threads, and the driver and Chromium it starts, inherit
    # it): the hung page's answer below is timed against its deadline, which the host's run
    # queue would eat into
    with exporter_ahead_of_other_load(tmp_path, modules, targets, "page") as exporter:
        first = requests.get(  # the first probe starts the browser: give it a long deadline
            f"{exporter.url}/probe", params={"target": "good"}, timeout=30,
            headers={"X-Prometheus-Scrape-Timeout-Seconds": "25"},
        )
        assert value(parse(first.text), probe_names.PROBE_SUCCESS) == 1
        assert origin.page_headers["e2e"]["user-agent"] == "perfsight-test/1"
        assert origin.page_headers["e2e"]["x-probe-token"] == "s3cret-token"
        assert origin.image_headers["e2e"]["x-probe-token"] == "s3cret-token"  # same origin
        # a subresource from another origin gets no configured header
        cross = requests.get(f"{exporter.url}/probe", params={"target": "cross"}, timeout=30)
        assert value(parse(cross.text), probe_names.PROBE_SUCCESS) == 1
        assert origin.page_headers["cross"]["x-probe-token"] == "s3cret-token"
        assert "x-probe-token" not in origin.image_headers["cross"]
        assert origin.image_headers["cross"]["host"].startswith("localhost:")
        # a module sending headers keeps to its listed targets
        unlisted = requests.get(f"{exporter.url}/probe", timeout=10,
                                params={"target": origin.page("unlisted"), "module": "page"})
        assert unlisted.status_code == 403

        response, elapsed = timed_probe(exporter, "hang", scrape_timeout=3)
        assert response.status_code == 200
        assert elapsed < 3.0  # the deadline is the scrape timeout minus 0.5 s
        assert value(parse(response.text), probe_names.PROBE_SUCCESS) == 0

        again = requests.get(f"{exporter.url}/probe", params={"target": "good"}, timeout=20)
        assert value(parse(again.text), probe_names.PROBE_SUCCESS) == 1
        checked = subprocess.run(
            [require_binary("promtool"), "check", "metrics"],
            input=again.text, capture_output=True, text=True, check=False,
        )
        assert checked.returncode == 0, checked.stderr
        assert checked.stderr.strip() == ""
        assert "s3cret-token" not in exporter.log()


def test_options_are_validated_with_full_paths() -> None:
    check = Validator()
    KINDS_BY_NAME["browser"].parse_options(check, {
        "viewport": {"width": 0, "depth": 3}, "wait_until": "idle", "settle_seconds": -1,
        "headers": {"Authorization": "Bearer literal"}, "max_concurrent": 0, "colour": "red",
        "user_agent": 7, "insecure_skip_verify": "yes",
    }, "modules.page.browser")
    assert sorted(check.problems) == sorted([
        "modules.page.browser.colour: unknown field",
        "modules.page.browser.viewport.depth: unknown field",
        "modules.page.browser.viewport.width: must be a positive integer, got 0",
        "modules.page.browser.wait_until: must be one of commit, domcontentloaded, load, "
        "networkidle",
        "modules.page.browser.settle_seconds: must be between 0 and 30 seconds, got -1",
        "modules.page.browser.headers.Authorization: must be a reference {env: NAME} or "
        "{file: PATH}, not a literal secret",
        "modules.page.browser.max_concurrent: must be a positive integer, got 0",
        "modules.page.browser.user_agent: must be a string, got 7",
        "modules.page.browser.insecure_skip_verify: must be true or false, got 'yes'",
    ])


def test_layout_shift_takes_the_largest_session_window() -> None:
    # two shifts 0.5 s apart share a window; one 2 s later starts a new, smaller one
    assert cumulative_layout_shift([[100, 0.1], [600, 0.05], [2600, 0.12]]) == pytest.approx(0.15)
    # a window is at most 5 s long, however close the shifts
    shifts = [[t * 900.0, 0.1] for t in range(8)]  # 0 .. 6.3 s, 0.9 s apart
    assert cumulative_layout_shift(shifts) == pytest.approx(0.6)
    assert cumulative_layout_shift([]) == 0


def test_blocking_time_counts_long_tasks_after_fcp_only() -> None:
    tasks = [[0.0, 200.0], [300.0, 120.0], [500.0, 40.0], [900.0, 300.0]]
    # before FCP at 250: ignored; 120 -> 70; 40 -> 0; clipped at end 1100: 200 -> 150
    assert total_blocking_time(tasks, 250, 1100) == pytest.approx(220)
    assert total_blocking_time(tasks, None, 1100) == 0
