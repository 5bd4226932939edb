"""Block device I/O from /proc/diskstats (node_exporter's diskstats collector)."""

import re
from collections.abc import Callable, Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from exporters import names
from exporters.host import HostPaths

DEFAULT_DEVICE_EXCLUDE = r"^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$"
SECTOR_BYTES = 512

# How a raw column becomes a value: counts stay, sectors become bytes, milliseconds seconds
# (dividing by 1000 keeps 17243 ms exactly 17.243 s where multiplying by 0.001 does not).
COUNT, GAUGE = "count", "gauge"
SECTORS, MS = "sectors", "ms"
CONVERT: dict[str, Callable[[int], float]] = {
    COUNT: float,
    GAUGE: float,
    SECTORS: lambda raw: float(raw * SECTOR_BYTES),
    MS: lambda raw: raw / 1000,
}

# (column after the device name, metric, help, unit)
COLUMNS: tuple[tuple[int, str, str, str], ...] = (
    (0, names.NODE_DISK_READS_COMPLETED_TOTAL, "Reads completed successfully.", COUNT),
    (1, names.NODE_DISK_READS_MERGED_TOTAL, "Reads merged.", COUNT),
    (2, names.NODE_DISK_READ_BYTES_TOTAL, "Bytes read successfully.", SECTORS),
    (3, names.NODE_DISK_READ_TIME_SECONDS_TOTAL, "Seconds spent by all reads.", MS),
    (4, names.NODE_DISK_WRITES_COMPLETED_TOTAL, "Writes completed successfully.", COUNT),
    (5, names.NODE_DISK_WRITES_MERGED_TOTAL, "Writes merged.", COUNT),
    (6, names.NODE_DISK_WRITTEN_BYTES_TOTAL, "Bytes written successfully.", SECTORS),
    (7, names.NODE_DISK_WRITE_TIME_SECONDS_TOTAL, "Seconds spent by all writes.", MS),
    (8, names.NODE_DISK_IO_NOW, "I/Os currently in progress.", GAUGE),
    (9, names.NODE_DISK_IO_TIME_SECONDS_TOTAL, "Seconds spent doing I/Os.", MS),
    (10, names.NODE_DISK_IO_TIME_WEIGHTED_SECONDS_TOTAL, "Weighted seconds doing I/Os.", MS),
    (11, names.NODE_DISK_DISCARDS_COMPLETED_TOTAL, "Discards completed successfully.", COUNT),
    (12, names.NODE_DISK_DISCARDS_MERGED_TOTAL, "Discards merged.", COUNT),
    (13, names.NODE_DISK_DISCARDED_SECTORS_TOTAL, "Sectors discarded successfully.", COUNT),
    (14, names.NODE_DISK_DISCARD_TIME_SECONDS_TOTAL, "Seconds spent by all discards.", MS),
    (15, names.NODE_DISK_FLUSH_REQUESTS_TOTAL, "Flush requests completed successfully.", COUNT),
    (16, names.NODE_DISK_FLUSH_REQUESTS_TIME_SECONDS_TOTAL, "Seconds spent flushing.", MS),
)


class DiskstatsCollector:
    """Report per-device I/O counters, skipping partitions, ram and loop devices by default."""

    def __init__(self, paths: HostPaths, device_exclude: str = DEFAULT_DEVICE_EXCLUDE) -> None:
        self._paths = paths
        self._exclude = re.compile(device_exclude)

    def collect(self) -> Iterator[Metric]:
        """Yield one family per diskstats column, one sample per device."""
        families: list[CounterMetricFamily | GaugeMetricFamily] = [
            GaugeMetricFamily(name, doc, labels=[names.LABEL_DEVICE])
            if unit == GAUGE
            else CounterMetricFamily(name, doc, labels=[names.LABEL_DEVICE])
            for _, name, doc, unit in COLUMNS
        ]
        for line in self._paths.read_proc("diskstats").splitlines():
            parts = line.split()
            if len(parts) < 14 or self._exclude.search(parts[2]):
                continue
            device, stats = parts[2], parts[3:]
            for family, (column, _, _, unit) in zip(families, COLUMNS, strict=True):
                if column < len(stats):
                    family.add_metric([device], CONVERT[unit](int(stats[column])))
        yield from families
