"""Resources (USE): utilisation, saturation and errors of CPU, memory, disks and network."""

from alert_rules import system as alerts
from bundle import names as rules
from dashboards.selectors import FILESYSTEMS, HOSTS, selected
from dashboards.style import (
    RATE,
    Dashboard,
    Query,
    Row,
    Threshold,
    bargauge,
    stat,
    table,
    timeseries,
)
from dashboards.thresholds import alert_line
from exporters import names as n

DISK = f'{HOSTS},device!~"dm-.*|loop.*"'


FS_USED = selected(rules.INSTANCE_MOUNTPOINT_FILESYSTEM_USAGE, FILESYSTEMS)
BY_INSTANCE = "{{instance}}"
BY_DEVICE = "{{instance}} {{device}}"

overview = Row(
    "Fleet overview",
    stat("Instances up", "Targets of the selected jobs whose last scrape succeeded.", "short",
         f"sum({rules.UP}{{{HOSTS}}})"),
    stat("CPU busy (fleet)", "CPU utilisation averaged over the selected instances.",
         "percentunit", f"avg({selected(rules.INSTANCE_CPU_UTILISATION)})",
         thresholds=[Threshold(0.7, "orange"), Threshold(0.9)]),
    stat("Memory used (fleet)", "Share of all memory not available for new allocations.",
         "percentunit",
         f"1 - sum({n.NODE_MEMORY_MEMAVAILABLE_BYTES}{{{HOSTS}}})"
         f" / sum({n.NODE_MEMORY_MEMTOTAL_BYTES}{{{HOSTS}}})",
         thresholds=[alert_line(alerts.MEMORY_SATURATED)]),
    stat("Fullest filesystem", "Highest space usage of any filesystem of the selected instances.",
         "percentunit", f"max({FS_USED})", thresholds=[alert_line(alerts.DISK_FILLING_UP)]),
    stat("Load per core (max)", "Highest 1-minute load average divided by the instance's "
         "cores.", "short", f"max({selected(rules.INSTANCE_LOAD1_PER_CPU)})",
         thresholds=[Threshold(1, "orange"), Threshold(2)]),
    stat("OOM kills (1h)", "Processes the kernel's out-of-memory killer ended in the last hour.",
         "short", f"sum(increase({n.NODE_VMSTAT_OOM_KILL}{{{HOSTS}}}[1h]))",
         thresholds=[Threshold(1)]),
)

cpu = Row(
    "CPU",
    timeseries("CPU utilisation", "Share of CPU time not idle, iowait or stolen, averaged "
               "over the cores.",
               "percentunit", Query(selected(rules.INSTANCE_CPU_UTILISATION), BY_INSTANCE),
               minimum=0, maximum=1),
    timeseries("CPU saturation: load per core",
               "1-minute load average divided by the number of cores; above 1 means runnable "
               "tasks wait for a CPU.", "short",
               Query(selected(rules.INSTANCE_LOAD1_PER_CPU), BY_INSTANCE)),
    timeseries("CPU saturation: pressure",
               "Share of wall time in which some runnable task waited for a CPU (PSI).",
               "percentunit",
               Query(selected(rules.INSTANCE_PRESSURE_CPU_WAITING), BY_INSTANCE),
               thresholds=[alert_line(alerts.CPU_SATURATED)]),
    timeseries("CPU time by mode", "CPU seconds per second spent in each mode, all cores.",
               "short",
               Query(f'sum by (mode) (rate({n.NODE_CPU_SECONDS_TOTAL}{{{HOSTS},mode!="idle"}}'
                     f"[{RATE}]))", "{{mode}}"), stack=True, width=12),
    timeseries("Runnable and blocked tasks",
               "Tasks running or waiting for a CPU, and tasks blocked on I/O.", "short",
               Query(f"{n.NODE_PROCS_RUNNING}{{{HOSTS}}}", "running {{instance}}"),
               Query(f"{n.NODE_PROCS_BLOCKED}{{{HOSTS}}}", "blocked {{instance}}"), width=12),
)

memory = Row(
    "Memory",
    timeseries("Memory utilisation", "Share of memory not available for new allocations.",
               "percentunit", Query(selected(rules.INSTANCE_MEMORY_UTILISATION), BY_INSTANCE),
               minimum=0, maximum=1, thresholds=[alert_line(alerts.MEMORY_SATURATED)]),
    timeseries("Memory saturation: major page faults",
               "Page faults that had to read from disk, per second: memory pressure.", "ops",
               Query(selected(rules.INSTANCE_MAJOR_PAGE_FAULTS), BY_INSTANCE)),
    timeseries("Memory saturation: pressure",
               "Share of wall time in which some task stalled waiting for memory (PSI).",
               "percentunit",
               Query(selected(rules.INSTANCE_PRESSURE_MEMORY_WAITING), BY_INSTANCE)),
    timeseries("Swap used", "Swap space in use.", "bytes",
               Query(f"{n.NODE_MEMORY_SWAPTOTAL_BYTES}{{{HOSTS}}}"
                     f" - {n.NODE_MEMORY_SWAPFREE_BYTES}{{{HOSTS}}}", BY_INSTANCE), width=12),
    timeseries("Memory errors: OOM kills", "Processes killed by the out-of-memory killer.",
               "short",
               Query(f"increase({n.NODE_VMSTAT_OOM_KILL}{{{HOSTS}}}[{RATE}])", BY_INSTANCE),
               width=12),
)

disk_io = Row(
    "Disk I/O",
    timeseries("Disk utilisation", "Share of time each device was busy with I/O.",
               "percentunit",
               Query(selected(rules.INSTANCE_DEVICE_DISK_IO_UTILISATION, DISK), BY_DEVICE),
               minimum=0, maximum=1),
    timeseries("Disk saturation: queue length",
               "Average number of I/O requests in flight or queued per device.", "short",
               Query(selected(rules.INSTANCE_DEVICE_DISK_IO_SATURATION, DISK), BY_DEVICE),
               thresholds=[alert_line(alerts.DISK_IO_SATURATED)]),
    timeseries("Disk saturation: I/O pressure",
               "Share of wall time in which some task stalled waiting for I/O (PSI).",
               "percentunit",
               Query(selected(rules.INSTANCE_PRESSURE_IO_WAITING), BY_INSTANCE)),
    timeseries("Disk throughput", "Bytes read (positive) and written (negative) per second.",
               "Bps",
               Query(f"rate({n.NODE_DISK_READ_BYTES_TOTAL}{{{DISK}}}[{RATE}])",
                     "read {{instance}} {{device}}"),
               Query(f"-rate({n.NODE_DISK_WRITTEN_BYTES_TOTAL}{{{DISK}}}[{RATE}])",
                     "write {{instance}} {{device}}"), width=12),
    timeseries("Disk IOPS", "Read and write operations completed per second.", "iops",
               Query(f"rate({n.NODE_DISK_READS_COMPLETED_TOTAL}{{{DISK}}}[{RATE}])",
                     "read {{instance}} {{device}}"),
               Query(f"rate({n.NODE_DISK_WRITES_COMPLETED_TOTAL}{{{DISK}}}[{RATE}])",
                     "write {{instance}} {{device}}"), width=12),
)

disk_space = Row(
    "Disk space",
    timeseries("Filesystem space used", "Share of each filesystem's space not available to "
               "unprivileged users.", "percentunit",
               Query(FS_USED, "{{instance}} {{mountpoint}}"), minimum=0, maximum=1,
               thresholds=[alert_line(alerts.DISK_FILLING_UP)]),
    timeseries("Inodes used", "Share of each filesystem's inodes in use.", "percentunit",
               Query(selected(rules.INSTANCE_MOUNTPOINT_INODE_USAGE, FILESYSTEMS),
                     "{{instance}} {{mountpoint}}"),
               minimum=0, maximum=1, thresholds=[alert_line(alerts.INODES_FILLING_UP)]),
    table("Filesystem errors", "Filesystems mounted read-only (1) or whose statfs failed "
          "(device error 1).", "bool",
          Query(f"{n.NODE_FILESYSTEM_READONLY}{{{FILESYSTEMS}}}"
                f" + on (instance, device, mountpoint, fstype) "
                f"{n.NODE_FILESYSTEM_DEVICE_ERROR}{{{FILESYSTEMS}}}"), width=8),
)

network = Row(
    "Network",
    timeseries("Network throughput", "Bytes received (positive) and sent (negative) per "
               "second, all interfaces but loopback.", "Bps",
               Query(selected(rules.INSTANCE_NETWORK_RECEIVE_BYTES), "in {{instance}}"),
               Query(f"-{selected(rules.INSTANCE_NETWORK_TRANSMIT_BYTES)}", "out {{instance}}")),
    timeseries("Network errors and drops", "Receive and transmit errors, and dropped "
               "packets, per second, all interfaces but loopback.", "pps",
               Query(selected(rules.INSTANCE_NETWORK_ERRORS), "errors {{instance}}"),
               Query(selected(rules.INSTANCE_NETWORK_DROPS), "drops {{instance}}"),
               thresholds=[alert_line(alerts.NETWORK_ERRORS)]),
    timeseries("TCP saturation: retransmits and listen overflows",
               "Share of sent TCP segments retransmitted, and accept-queue overflows per "
               "second.", "percentunit",
               Query(f"rate({n.NODE_NETSTAT_TCP_RETRANSSEGS}{{{HOSTS}}}[{RATE}])"
                     f" / rate({n.NODE_NETSTAT_TCP_OUTSEGS}{{{HOSTS}}}[{RATE}])",
                     "retransmitted {{instance}}"),
               Query(f"rate({n.NODE_NETSTAT_TCPEXT_LISTENOVERFLOWS}{{{HOSTS}}}[{RATE}])",
                     "listen overflows/s {{instance}}")),
    timeseries("TCP connections by state", "Open TCP connections per state.", "short",
               Query(f"sum by (instance, state) ({n.NODE_TCP_CONNECTION_STATES}{{{HOSTS}}})",
                     "{{instance}} {{state}}"), width=12),
    timeseries("Sockets in use", "Sockets of all kinds in use.", "short",
               Query(f"{n.NODE_SOCKSTAT_SOCKETS_USED}{{{HOSTS}}}", BY_INSTANCE), width=12),
)

limits = Row(
    "File descriptors and processes",
    timeseries("File descriptors used", "Allocated file handles as a share of the kernel limit.",
               "percentunit",
               Query(selected(rules.INSTANCE_FILEFD_UTILISATION), BY_INSTANCE), minimum=0,
               thresholds=[alert_line(alerts.FDS_EXHAUSTING)]),
    timeseries("PIDs used", "Processes and threads as a share of the kernel's PID limit.",
               "percentunit",
               Query(f"{n.NODE_PROCESSES_PIDS}{{{HOSTS}}}"
                     f" / {n.NODE_PROCESSES_MAX_PROCESSES}{{{HOSTS}}}", BY_INSTANCE), minimum=0),
    timeseries("Threads", "Threads alive on each instance.", "short",
               Query(f"{n.NODE_PROCESSES_THREADS}{{{HOSTS}}}", BY_INSTANCE)),
)

processes = Row(
    "Top processes",
    bargauge("Top processes by CPU", "The processes using the most CPU (cores busy), from "
             "perfsight's process collector.", "short",
             Query(f"topk(10, rate({n.PERFSIGHT_PROCESS_CPU_SECONDS_TOTAL}{{{HOSTS}}}[{RATE}]))",
                   "{{instance}} {{comm}} ({{pid}})")),
    bargauge("Top processes by memory", "The processes with the largest resident memory.",
             "bytes",
             Query(f"topk(10, {n.PERFSIGHT_PROCESS_RESIDENT_MEMORY_BYTES}{{{HOSTS}}})",
                   "{{instance}} {{comm}} ({{pid}})")),
    timeseries("Process groups: CPU", "CPU used by each configured process group (cores busy).",
               "short",
               Query(f"rate({n.NAMEDPROCESS_CPU_SECONDS_TOTAL}{{{HOSTS}}}[{RATE}])",
                     "{{instance}} {{groupname}}")),
)

dashboard = Dashboard(
    uid=rules.DASHBOARD_RESOURCES,
    title="perfsight / Resources (USE)",
    description="Utilisation, saturation and errors of every host resource, per instance and "
                "for the fleet (node_exporter-compatible metrics).",
    tags=("resources", "use"),
    rows=(overview, cpu, memory, disk_io, disk_space, network, limits, processes),
)
