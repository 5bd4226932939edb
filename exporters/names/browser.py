"""Real-browser probe names: page timings in seconds, weight in bytes, all gauges.

The browser kind's up metric is blackbox_exporter's `probe_success` and its duration
`probe_duration_seconds`, both defined once in `exporters.names.probe`.
"""

PROBER_BROWSER = "browser"  # the kind's name in modules' `prober:`
PROBE_BROWSER_TTFB_SECONDS = "probe_browser_ttfb_seconds"
PROBE_BROWSER_DOM_CONTENT_LOADED_SECONDS = "probe_browser_dom_content_loaded_seconds"
PROBE_BROWSER_LOAD_SECONDS = "probe_browser_load_seconds"
PROBE_BROWSER_FIRST_CONTENTFUL_PAINT_SECONDS = "probe_browser_first_contentful_paint_seconds"
PROBE_BROWSER_LARGEST_CONTENTFUL_PAINT_SECONDS = "probe_browser_largest_contentful_paint_seconds"
PROBE_BROWSER_CUMULATIVE_LAYOUT_SHIFT = "probe_browser_cumulative_layout_shift"
PROBE_BROWSER_TOTAL_BLOCKING_TIME_SECONDS = "probe_browser_total_blocking_time_seconds"
PROBE_BROWSER_PAGE_BYTES = "probe_browser_page_bytes"
PROBE_BROWSER_REQUESTS = "probe_browser_requests"
PROBE_BROWSER_REFUSED_REQUESTS = "probe_browser_refused_requests"

# the `phase` label of scheduled browser probes' perfsight_probe_phase_duration_seconds
BROWSER_TIMING_PHASES = {
    PROBE_BROWSER_TTFB_SECONDS: "ttfb",
    PROBE_BROWSER_DOM_CONTENT_LOADED_SECONDS: "dom_content_loaded",
    PROBE_BROWSER_LOAD_SECONDS: "load",
    PROBE_BROWSER_FIRST_CONTENTFUL_PAINT_SECONDS: "first_contentful_paint",
    PROBE_BROWSER_LARGEST_CONTENTFUL_PAINT_SECONDS: "largest_contentful_paint",
    PROBE_BROWSER_TOTAL_BLOCKING_TIME_SECONDS: "total_blocking_time",
}

# scheduled browser probes keep the layout shift score as a histogram of its own
PERFSIGHT_PROBE_BROWSER_CUMULATIVE_LAYOUT_SHIFT = "perfsight_probe_browser_cumulative_layout_shift"
