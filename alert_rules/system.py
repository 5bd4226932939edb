"""Host and exporter alerts: targets down, failing collectors, USE saturation, filling resources."""

from alert_rules.model import (
    FORECAST_FLOOR,
    Alert,
    AlertRule,
    Runbook,
    alert_file,
    constant,
    near_limit,
)
from bundle import names as rn
from bundle.promql import number, rng, select
from bundle.spec import Spec
from exporters import names as m
from recording_rules.use import filesystems

PATH = "alert_rules/generated/system.yaml"
HOST_LABELS = f"{rn.LABEL_INSTANCE}, {rn.LABEL_JOB}"
FS_LABELS = f"{HOST_LABELS}, {m.LABEL_DEVICE}, {m.LABEL_MOUNTPOINT}"
HYSTERESIS = 0.05  # a filling-up alert clears only this far below its threshold

EXPORTER_DOWN = Alert(
    name=rn.ALERT_EXPORTER_DOWN, severity="critical", for_="5m",
    summary="{{ $labels.job }} target {{ $labels.instance }} is down",
    description="Prometheus has failed to scrape {{ $labels.instance }} (job {{ $labels.job }}) "
                "for 5 minutes; its metrics and every alert on them are blind.",
    dashboard=rn.DASHBOARD_RESOURCES,
    runbook=Runbook(
        meaning="Prometheus cannot scrape an exporter: `up` is 0.",
        impact="No metrics from this target: its other alerts cannot fire (Alertmanager also "
               "holds them back while this one fires).",
        diagnose="Open the target page of Prometheus (Status → Targets) for the scrape error. "
                 "Check the process (`systemctl status`, pod status) and "
                 "`curl http://<instance>/-/healthy`.",
        mitigate="Restart the exporter; fix TLS/auth or network policy if the error says so.",
    ),
)
COLLECTOR_FAILING = Alert(
    name=rn.ALERT_COLLECTOR_FAILING, severity="warning", for_="10m",
    summary="Collector {{ $labels.collector }} fails on {{ $labels.instance }}",
    description="The {{ $labels.collector }} collector of {{ $labels.instance }} failed or "
                "missed its deadline at least once in every 5 minutes for 10 minutes; its "
                "metrics are missing while the rest are served.",
    dashboard=rn.DASHBOARD_RESOURCES,
    runbook=Runbook(
        meaning="`perfsight_scrape_collector_success{collector}` keeps reporting 0.",
        impact="The metrics of that collector (and alerts reading them) are missing.",
        diagnose="The exporter logs the exception or the deadline miss at error level with "
                 "the collector name; `perfsight_scrape_collector_duration_seconds` shows "
                 "slow collectors (a hung NFS mount stalls `filesystem`).",
        mitigate="Fix the cause from the log, exclude the offending device or mount, or "
                 "disable the collector with `--no-collector.NAME`.",
    ),
)
CPU_SATURATED = Alert(
    name=rn.ALERT_CPU_SATURATED, severity="warning", for_="15m", threshold=0.25,
    threshold_meaning="share of time runnable tasks waited for a CPU (PSI cpu some)",
    summary="CPU saturated on {{ $labels.instance }}",
    description="Tasks on {{ $labels.instance }} wait for a CPU: {{ $value | humanize }} "
                "(PSI share of time waiting, or load per CPU where the kernel has no PSI).",
    dashboard=rn.DASHBOARD_RESOURCES,
    runbook=Runbook(
        meaning="Runnable tasks wait for a CPU a large share of the time (PSI `cpu some`); on "
                "kernels without PSI, load per CPU above 2 with CPUs more than 90% busy.",
        impact="Higher latency for everything on the host.",
        diagnose="Resources dashboard: CPU utilisation and saturation by instance; top "
                 "processes by `perfsight_process_cpu_seconds_total`.",
        mitigate="Find and throttle the hungry process, scale out, or add CPUs.",
    ),
)
MEMORY_SATURATED = Alert(
    name=rn.ALERT_MEMORY_SATURATED, severity="warning", for_="15m", threshold=0.9,
    threshold_meaning="memory utilisation (1 - MemAvailable/MemTotal)",
    summary="Memory saturated on {{ $labels.instance }}",
    description="{{ $labels.instance }} uses {{ $value | humanizePercentage }} of its memory "
                "and is stalling on it (PSI memory waiting above 10% or more than 500 major "
                "page faults per second).",
    dashboard=rn.DASHBOARD_RESOURCES,
    runbook=Runbook(
        meaning="Memory is nearly used up and the kernel is reclaiming or swapping: tasks "
                "stall on memory (PSI) or fault pages in from disk.",
        impact="Slow responses, then OOM kills.",
        diagnose="Resources dashboard: memory utilisation, PSI memory, major page faults; top "
                 "processes by `perfsight_process_resident_memory_bytes`.",
        mitigate="Restart or limit the leaking process, move workloads, add memory.",
    ),
)
MEMORY_FILLING_UP = Alert(
    name=rn.ALERT_MEMORY_FILLING_UP, severity="warning", for_="1h", threshold=0.7,
    threshold_meaning="memory utilisation above which the forecast alerts",
    summary="Memory on {{ $labels.instance }} runs out within the capacity horizon",
    description="At the trend of the capacity lookback, available memory on "
                "{{ $labels.instance }} reaches zero in {{ $value | humanizeDuration }}.",
    dashboard=rn.DASHBOARD_CAPACITY,
    runbook=Runbook(
        meaning="MemAvailable has been shrinking steadily; a linear fit reaches zero within "
                "the spec's `capacity.horizons.memory`.",
        impact="None yet; an OOM kill or swap storm when it runs out.",
        diagnose="Capacity dashboard: memory forecast; which process group grows "
                 "(`namedprocess_namegroup_memory_bytes`).",
        mitigate="Find the leak and restart or fix it before the forecast date.",
    ),
)
DISK_FILLING_UP = Alert(
    name=rn.ALERT_DISK_FILLING_UP, severity="warning", for_="1h", threshold=0.85,
    threshold_meaning="filesystem usage ratio",
    summary="Filesystem {{ $labels.mountpoint }} on {{ $labels.instance }} is filling up",
    description="{{ $labels.mountpoint }} ({{ $labels.device }}) on {{ $labels.instance }} is "
                "{{ $value | humanizePercentage }} full and predicted to be full within the "
                "capacity horizon.",
    dashboard=rn.DASHBOARD_CAPACITY,
    runbook=Runbook(
        meaning="The filesystem is above the threshold and a linear fit of free space over "
                "the capacity lookback reaches zero within `capacity.horizons.disk`. It "
                "clears only 5 points below the threshold (hysteresis).",
        impact="Writes fail when it is full: databases stop, logs are lost.",
        diagnose="Capacity dashboard: time to exhaustion per mount; `du -xh --max-depth=2` on "
                 "the mount point; look for growing logs, dumps, WAL.",
        mitigate="Delete or rotate what grows, extend the volume.",
    ),
)
INODES_FILLING_UP = Alert(
    name=rn.ALERT_INODES_FILLING_UP, severity="warning", for_="1h", threshold=0.85,
    threshold_meaning="inode usage ratio",
    summary="Inodes of {{ $labels.mountpoint }} on {{ $labels.instance }} are running out",
    description="{{ $labels.mountpoint }} on {{ $labels.instance }} uses "
                "{{ $value | humanizePercentage }} of its inodes and is predicted to run out "
                "within the capacity horizon.",
    dashboard=rn.DASHBOARD_CAPACITY,
    runbook=Runbook(
        meaning="Inode usage is above the threshold and trending to exhaustion within "
                "`capacity.horizons.inodes`. Clears 5 points below the threshold.",
        impact="File creation fails with ENOSPC although bytes are free.",
        diagnose="`df -i`; find directories with many small files "
                 "(`find <mount> -xdev -type f | cut -d/ -f2-4 | sort | uniq -c | sort -n`).",
        mitigate="Remove small-file litter (caches, sessions, mail queues), reformat with "
                 "more inodes.",
    ),
)
DISK_IO_SATURATED = Alert(
    name=rn.ALERT_DISK_IO_SATURATED, severity="warning", for_="30m", threshold=10,
    threshold_meaning="average I/O queue depth (rate of weighted I/O time)",
    summary="Disk {{ $labels.device }} on {{ $labels.instance }} is saturated",
    description="{{ $labels.device }} on {{ $labels.instance }} is busy over 90% of the time "
                "with an average queue of {{ $value | humanize }} requests.",
    dashboard=rn.DASHBOARD_RESOURCES,
    runbook=Runbook(
        meaning="The device is almost always busy and requests queue up.",
        impact="I/O latency rises; databases and anything fsyncing slow down.",
        diagnose="Resources dashboard: disk utilisation and saturation, PSI io; `iotop`; "
                 "per-process read/write bytes.",
        mitigate="Move or throttle the heavy writer, add IOPS (faster volume, RAID, cache).",
    ),
)
NETWORK_ERRORS = Alert(
    name=rn.ALERT_NETWORK_ERRORS, severity="warning", for_="15m", threshold=1,
    threshold_meaning="receive + transmit errors per second over all non-loopback devices",
    summary="Network errors on {{ $labels.instance }}",
    description="{{ $labels.instance }} sees {{ $value | humanize }} network receive and "
                "transmit errors per second.",
    dashboard=rn.DASHBOARD_RESOURCES,
    runbook=Runbook(
        meaning="Network interfaces report receive or transmit errors.",
        impact="Retransmissions, timeouts and packet loss for traffic of this host.",
        diagnose="`ip -s link`, `ethtool -S <dev>`; check cabling, duplex, driver and MTU.",
        mitigate="Fix the link (cable, switch port, driver); move traffic off the interface.",
    ),
)
FDS_EXHAUSTING = Alert(
    name=rn.ALERT_FDS_EXHAUSTING, severity="warning", for_="15m", threshold=0.9,
    threshold_meaning="allocated / maximum file descriptors",
    summary="File descriptors on {{ $labels.instance }} are running out",
    description="{{ $labels.instance }} has {{ $value | humanizePercentage }} of its file "
                "descriptors allocated, or is forecast to run out within the capacity horizon.",
    dashboard=rn.DASHBOARD_CAPACITY,
    runbook=Runbook(
        meaning="System-wide allocated file descriptors approach `fs.file-max`, now or at "
                f"the current trend within `capacity.horizons.fds` (once over "
                f"{FORECAST_FLOOR:.0%} is in use).",
        impact="`open`, `accept` and `socket` fail with EMFILE/ENFILE: connection errors.",
        diagnose="Which process holds them: `perfsight_process_open_fds` or "
                 "`ls /proc/*/fd | wc -l` per process; look for socket leaks.",
        mitigate="Restart the leaking process; raise `fs.file-max` if the load is legitimate.",
    ),
)
ALERTS = (
    EXPORTER_DOWN, COLLECTOR_FAILING, CPU_SATURATED, MEMORY_SATURATED, MEMORY_FILLING_UP,
    DISK_FILLING_UP, INODES_FILLING_UP, DISK_IO_SATURATED, NETWORK_ERRORS, FDS_EXHAUSTING,
)


def filling_up(alert: Alert, usage: str, free: str, lookback: str, horizon: int) -> AlertRule:
    """Return a predict_linear alert that clears only HYSTERESIS below its threshold."""
    def expr(threshold: float) -> str:
        fire = (f"{usage} > {number(threshold)} and on({FS_LABELS}) "
                f"predict_linear({free}{lookback}, {horizon}) < 0")
        firing = select(rn.ALERTS_SERIES, f'{rn.ALERTNAME}="{alert.name}"',
                        f'{rn.LABEL_ALERTSTATE}="firing"')
        hold = (f"{usage} > {number(round(threshold - HYSTERESIS, 6))} and on({FS_LABELS}) "
                f"predict_linear({free}{lookback}, {2 * horizon}) < 0 "
                f"and on({FS_LABELS}) {firing}")
        return f"({fire}) or ({hold})"

    return AlertRule(alert, expr)


def system_rules(spec: Spec) -> list[AlertRule]:
    """Return every host and exporter alert rule for the spec's selectors and horizons."""
    host = spec.selectors["host"]
    horizons = spec.capacity.horizons
    lookback = rng(spec.capacity.lookback_seconds)

    def rec(name: str) -> str:
        return select(name, host)

    psi_cpu = rec(rn.INSTANCE_PRESSURE_CPU_WAITING)
    rules = [
        AlertRule(EXPORTER_DOWN, constant(f"{select(rn.UP, selector)} == 0"),
                  {rn.LABEL_EXPORTER: exporter})
        for exporter, selector in spec.selectors.items()
    ]
    rules += [
        AlertRule(COLLECTOR_FAILING, lambda _: (
            f"min_over_time({m.PERFSIGHT_SCRAPE_COLLECTOR_SUCCESS}[5m]) == 0")),
        AlertRule(CPU_SATURATED, lambda t: (
            f"{psi_cpu} > {number(t)} or ({rec(rn.INSTANCE_LOAD1_PER_CPU)} > 2 and "
            f"{rec(rn.INSTANCE_CPU_UTILISATION)} > 0.9 unless on({HOST_LABELS}) {psi_cpu})")),
        AlertRule(MEMORY_SATURATED, lambda t: (
            f"{rec(rn.INSTANCE_MEMORY_UTILISATION)} > {number(t)} and on({HOST_LABELS}) "
            f"({rec(rn.INSTANCE_PRESSURE_MEMORY_WAITING)} > 0.1 or "
            f"{rec(rn.INSTANCE_MAJOR_PAGE_FAULTS)} > 500)")),
        AlertRule(MEMORY_FILLING_UP, lambda t: (
            f"{rec(rn.INSTANCE_MEMORY_EXHAUSTION)} < {horizons['memory']} and on({HOST_LABELS}) "
            f"{rec(rn.INSTANCE_MEMORY_UTILISATION)} > {number(t)}")),
        filling_up(DISK_FILLING_UP, rec(rn.INSTANCE_MOUNTPOINT_FILESYSTEM_USAGE),
                   filesystems(m.NODE_FILESYSTEM_AVAIL_BYTES, host), lookback,
                   horizons["disk"]),
        filling_up(INODES_FILLING_UP, rec(rn.INSTANCE_MOUNTPOINT_INODE_USAGE),
                   filesystems(m.NODE_FILESYSTEM_FILES_FREE, host), lookback,
                   horizons["inodes"]),
        AlertRule(DISK_IO_SATURATED, lambda t: (
            f"{rec(rn.INSTANCE_DEVICE_DISK_IO_SATURATION)} > {number(t)} and "
            f"on({HOST_LABELS}, {m.LABEL_DEVICE}) "
            f"{rec(rn.INSTANCE_DEVICE_DISK_IO_UTILISATION)} > 0.9")),
        AlertRule(NETWORK_ERRORS, lambda t: f"{rec(rn.INSTANCE_NETWORK_ERRORS)} > {number(t)}"),
        AlertRule(FDS_EXHAUSTING, near_limit(
            rec(rn.INSTANCE_FILEFD_UTILISATION), rec(rn.INSTANCE_FILEFD_EXHAUSTION),
            horizons["fds"], on=f"on({HOST_LABELS})")),
    ]
    return rules


generate = alert_file(PATH, "perfsight-system", system_rules)
