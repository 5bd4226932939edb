"""Kernel identity from uname(2) (node_exporter's uname collector)."""

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric

from exporters import names
from exporters.host import HostPaths


class UnameCollector:
    """Report node_uname_info with the kernel's identity as labels."""

    def __init__(self, paths: HostPaths) -> None:
        self._paths = paths

    def collect(self) -> Iterator[Metric]:
        """Yield node_uname_info = 1."""
        uname = self._paths.uname()
        domainname = self._paths.proc("sys", "kernel", "domainname")
        labels = {
            "sysname": uname.sysname,
            "release": uname.release,
            "version": uname.version,
            "machine": uname.machine,
            "nodename": uname.nodename,
            "domainname": domainname.read_text().strip() if domainname.exists() else "(none)",
        }
        family = GaugeMetricFamily(
            names.NODE_UNAME_INFO, "Labeled system information as provided by uname.",
            labels=list(labels),
        )
        family.add_metric(list(labels.values()), 1.0)
        yield family
