"""Text exposition format 0.0.4, rendered directly: the hot path of every scrape.

Byte-for-byte what prometheus_client's generate_latest writes for the family types perfsight
emits, at a fraction of its cost (it re-validates every name on every scrape: 9 ms of a 20 ms
scrape on a host with 700 samples). OpenMetrics requests still go through prometheus_client.
"""

from collections.abc import Iterable

from prometheus_client.core import Metric
from prometheus_client.utils import floatToGoString

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# family type -> (suffix added to the family name in HELP/TYPE, type written)
TYPES = {
    "counter": ("_total", "counter"),
    "gauge": ("", "gauge"),
    "unknown": ("", "untyped"),
    "histogram": ("", "histogram"),
    "summary": ("", "summary"),
    "info": ("_info", "gauge"),
}


def _escape_help(text: str) -> str:
    return text.replace("\\", r"\\").replace("\n", r"\n")


def _escape_label(value: str) -> str:
    return value.replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")


def _value(value: float) -> str:
    text: str = floatToGoString(value)  # type: ignore[no-untyped-call]
    return text


def render_text(families: Iterable[Metric]) -> bytes:
    """Render metric families in the Prometheus text format."""
    lines: list[str] = []
    append = lines.append
    for family in families:
        suffix, kind = TYPES[family.type]
        if family.samples and family.samples[0].name == family.name:
            suffix = ""  # a counter named without `_total`, as postgres_exporter's are
        name = family.name + suffix
        append(f"# HELP {name} {_escape_help(family.documentation)}\n# TYPE {name} {kind}\n")
        for sample in family.samples:
            if sample.labels:
                pairs = sorted(sample.labels.items())
                labels = ",".join(f'{key}="{_escape_label(value)}"' for key, value in pairs)
                append(f"{sample.name}{{{labels}}} {_value(sample.value)}\n")
            else:
                append(f"{sample.name} {_value(sample.value)}\n")
    return "".join(lines).encode()
