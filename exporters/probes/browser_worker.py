"""One headless Chromium per browser module, owned by one thread that runs an asyncio loop.

Playwright's objects belong to the thread (sync API) or event loop (async API) that made them.
So one daemon thread runs an event loop that alone starts, uses and stops Playwright and the
browser; probe threads hand it coroutines and wait on the returned futures with their deadline.
The browser starts at the first probe and again after it died or was found hung. A hung
browser may not react to its driver going away (a stopped or spinning process never reads the
closed pipe), so stopping also kills whatever is left of the driver's process tree.
"""

import asyncio
import contextlib
import logging
import os
import threading
from collections.abc import Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

import psutil
from playwright.async_api import Browser, BrowserContext, Error, Playwright, async_playwright

log = logging.getLogger(__name__)
T = TypeVar("T")
# Drivers are told apart by which child process appeared while one started: one at a time.
_DRIVER_START = threading.Lock()
CLOSE_SECONDS = 5.0


class BrowserWorker:
    """Own the event-loop thread, the Playwright driver and the browser process."""

    def __init__(self, executable: str) -> None:
        self._executable = executable
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="browser", daemon=True
        )
        self._thread.start()
        self._playwright: Playwright | None = None
        self._driver: psutil.Process | None = None
        self._starting: asyncio.Future[Browser] | None = None
        self.launches = 0

    def submit(self, work: Coroutine[Any, Any, T]) -> Future[T]:
        """Run a coroutine on the browser's loop; cancelling the future cancels it."""
        return asyncio.run_coroutine_threadsafe(work, self._loop)

    async def browser(self) -> Browser:
        """Return the running browser, launching it first if it is not running.

        The launch is shielded: a probe that times out while Chromium starts does not abort
        the start, so the next probe finds the browser ready.
        """
        if not self._running():
            self._starting = asyncio.ensure_future(self._launch())
        assert self._starting is not None
        return await asyncio.shield(self._starting)

    def _running(self) -> bool:
        """Tell whether a launch is under way or gave a browser that is still connected."""
        task = self._starting
        if task is None:
            return False
        if not task.done():
            return True
        return not task.cancelled() and task.exception() is None and task.result().is_connected()

    async def _launch(self) -> Browser:
        if self._playwright is None:
            with _DRIVER_START:
                before = _children()
                self._playwright = await async_playwright().start()
                new = [child for pid, child in _children().items() if pid not in before]
            self._driver = new[0] if len(new) == 1 else None
        browser = await self._playwright.chromium.launch(
            executable_path=self._executable, headless=True
        )
        self.launches += 1
        return browser

    async def new_context(self, **options: Any) -> BrowserContext:
        """Open a fresh context, relaunching the browser once if it died or was stopped."""
        browser = await self.browser()
        launch = self._starting
        try:
            return await browser.new_context(**options)
        except Error:
            if browser.is_connected() and launch is self._starting:
                raise
            log.error("the browser went away; starting it again")
            return await (await self.browser()).new_context(**options)

    async def close_context(self, context: BrowserContext) -> None:
        """Close a probe's context; a browser that does not manage it within 5 s is restarted."""
        try:
            await asyncio.wait_for(context.close(), CLOSE_SECONDS)
        except (TimeoutError, Error) as error:
            log.error("browser did not close a page (%s); restarting it", type(error).__name__)
            await self._stop(hung=True)

    async def check_responsive(self) -> None:
        """Restart the browser if it cannot open and close a context within 5 s (it hangs)."""
        task = self._starting
        if task is None or not task.done() or not self._running():
            return
        try:
            context = await asyncio.wait_for(task.result().new_context(), CLOSE_SECONDS)
            await asyncio.wait_for(context.close(), CLOSE_SECONDS)
        except (TimeoutError, Error) as error:
            log.error("browser is not responding (%s); restarting it", type(error).__name__)
            await self._stop(hung=True)

    async def _stop(self, *, hung: bool = False) -> None:
        """Stop the browser, then its driver, killing what is left; a hung one is killed first."""
        starting, self._starting = self._starting, None
        playwright, self._playwright = self._playwright, None
        driver, self._driver = self._driver, None
        tree = _tree(driver)
        killed = hung and bool(tree)  # a hung browser would not close: waiting only delays
        if killed:  # its replacement, so its process tree is killed first
            _kill_survivors(tree)
        try:
            if starting is not None and not killed:
                browser = await asyncio.wait_for(asyncio.shield(starting), CLOSE_SECONDS)
                await asyncio.wait_for(browser.close(), CLOSE_SECONDS)
        except (TimeoutError, Error):
            log.error("browser did not stop within %.0fs; stopping its driver", CLOSE_SECONDS)
        finally:
            try:
                if playwright is not None:
                    await asyncio.wait_for(playwright.stop(), CLOSE_SECONDS)
            finally:
                _kill_survivors(tree)

    def close(self) -> None:
        """Stop the browser and the loop thread."""
        try:
            self.submit(self._stop()).result(timeout=3 * CLOSE_SECONDS)
        except Exception as error:  # closing must not fail shutdown
            log.error("could not stop the browser cleanly: %s", type(error).__name__)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=CLOSE_SECONDS)


def _children() -> dict[int, psutil.Process]:
    """Return this process's direct children by pid."""
    return {child.pid: child for child in psutil.Process(os.getpid()).children()}


def _tree(driver: psutil.Process | None) -> list[psutil.Process]:
    """Return a driver and every process below it (the browser and its helpers)."""
    if driver is None:
        return []
    with contextlib.suppress(psutil.Error):
        return [driver, *driver.children(recursive=True)]
    return []


def _kill_survivors(tree: list[psutil.Process]) -> None:
    """SIGKILL what is still alive of a stopped driver's tree (works on stopped processes)."""
    for process in tree:
        with contextlib.suppress(psutil.Error):
            if process.is_running():
                process.kill()
    psutil.wait_procs(tree, timeout=CLOSE_SECONDS)
