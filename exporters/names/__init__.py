"""Every metric and label name the exporters emit: the one place rules and dashboards import from.

Host metrics reuse node_exporter's names, types and labels so that dashboards and rules work
against either exporter. Kernel field names (``/proc/meminfo`` keys, ``/proc/net/netstat``
counters…) are kept verbatim as node_exporter does, which is why some names are camelCase; the
exact set of such names is ``NODE_VERBATIM_NAMES`` below, the only exception to the naming guide.
"""

# --- exporter self-metrics -------------------------------------------------------------------
PERFSIGHT_BUILD_INFO = "perfsight_build_info"
PERFSIGHT_SCRAPE_COLLECTOR_SUCCESS = "perfsight_scrape_collector_success"
PERFSIGHT_SCRAPE_COLLECTOR_DURATION_SECONDS = "perfsight_scrape_collector_duration_seconds"

# --- labels ----------------------------------------------------------------------------------
LABEL_COLLECTOR = "collector"
LABEL_CPU = "cpu"
LABEL_MODE = "mode"
LABEL_DEVICE = "device"
LABEL_FSTYPE = "fstype"
LABEL_MOUNTPOINT = "mountpoint"
LABEL_STATE = "state"
LABEL_RESOURCE = "resource"
LABEL_GROUPNAME = "groupname"
LABEL_PID = "pid"
LABEL_COMM = "comm"
LABEL_MEMTYPE = "memtype"

# --- cpu -------------------------------------------------------------------------------------
NODE_CPU_SECONDS_TOTAL = "node_cpu_seconds_total"
NODE_CPU_GUEST_SECONDS_TOTAL = "node_cpu_guest_seconds_total"
CPU_MODES = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")
CPU_GUEST_MODES = ("user", "nice")

# --- loadavg ---------------------------------------------------------------------------------
NODE_LOAD1 = "node_load1"
NODE_LOAD5 = "node_load5"
NODE_LOAD15 = "node_load15"

# --- meminfo: node_memory_<Key>_bytes, Key from /proc/meminfo with "(x)" written "_x" --------
MEMINFO_BYTE_FIELDS = (
    "MemTotal", "MemFree", "MemAvailable", "Buffers", "Cached", "SwapCached", "Active",
    "Inactive", "Active_anon", "Inactive_anon", "Active_file", "Inactive_file", "Unevictable",
    "Mlocked", "SwapTotal", "SwapFree", "Zswap", "Zswapped", "Dirty", "Writeback", "AnonPages",
    "Mapped", "Shmem", "KReclaimable", "Slab", "SReclaimable", "SUnreclaim", "KernelStack",
    "PageTables", "SecPageTables", "NFS_Unstable", "Bounce", "WritebackTmp", "CommitLimit",
    "Committed_AS", "VmallocTotal", "VmallocUsed", "VmallocChunk", "Percpu", "HardwareCorrupted",
    "AnonHugePages", "ShmemHugePages", "ShmemPmdMapped", "FileHugePages", "FilePmdMapped",
    "Hugepagesize", "Hugetlb", "DirectMap4k", "DirectMap2M", "DirectMap1G",
)
MEMINFO_COUNT_FIELDS = ("HugePages_Total", "HugePages_Free", "HugePages_Rsvd", "HugePages_Surp")


def meminfo_metric(field: str) -> str:
    """Return node_exporter's metric name for one /proc/meminfo field."""
    suffix = "" if field in MEMINFO_COUNT_FIELDS else "_bytes"
    return f"node_memory_{field}{suffix}"


NODE_MEMORY_MEMTOTAL_BYTES = meminfo_metric("MemTotal")
NODE_MEMORY_MEMFREE_BYTES = meminfo_metric("MemFree")
NODE_MEMORY_MEMAVAILABLE_BYTES = meminfo_metric("MemAvailable")
NODE_MEMORY_BUFFERS_BYTES = meminfo_metric("Buffers")
NODE_MEMORY_CACHED_BYTES = meminfo_metric("Cached")
NODE_MEMORY_SWAPTOTAL_BYTES = meminfo_metric("SwapTotal")
NODE_MEMORY_SWAPFREE_BYTES = meminfo_metric("SwapFree")

# --- vmstat (node_exporter's default field selection) ----------------------------------------
VMSTAT_FIELDS = ("oom_kill", "pgfault", "pgmajfault", "pgpgin", "pgpgout", "pswpin", "pswpout")


def vmstat_metric(field: str) -> str:
    """Return node_exporter's metric name for one /proc/vmstat field."""
    return f"node_vmstat_{field}"


NODE_VMSTAT_PGMAJFAULT = vmstat_metric("pgmajfault")
NODE_VMSTAT_OOM_KILL = vmstat_metric("oom_kill")

# --- diskstats -------------------------------------------------------------------------------
NODE_DISK_READS_COMPLETED_TOTAL = "node_disk_reads_completed_total"
NODE_DISK_READS_MERGED_TOTAL = "node_disk_reads_merged_total"
NODE_DISK_READ_BYTES_TOTAL = "node_disk_read_bytes_total"
NODE_DISK_READ_TIME_SECONDS_TOTAL = "node_disk_read_time_seconds_total"
NODE_DISK_WRITES_COMPLETED_TOTAL = "node_disk_writes_completed_total"
NODE_DISK_WRITES_MERGED_TOTAL = "node_disk_writes_merged_total"
NODE_DISK_WRITTEN_BYTES_TOTAL = "node_disk_written_bytes_total"
NODE_DISK_WRITE_TIME_SECONDS_TOTAL = "node_disk_write_time_seconds_total"
NODE_DISK_IO_NOW = "node_disk_io_now"
NODE_DISK_IO_TIME_SECONDS_TOTAL = "node_disk_io_time_seconds_total"
NODE_DISK_IO_TIME_WEIGHTED_SECONDS_TOTAL = "node_disk_io_time_weighted_seconds_total"
NODE_DISK_DISCARDS_COMPLETED_TOTAL = "node_disk_discards_completed_total"
NODE_DISK_DISCARDS_MERGED_TOTAL = "node_disk_discards_merged_total"
NODE_DISK_DISCARDED_SECTORS_TOTAL = "node_disk_discarded_sectors_total"
NODE_DISK_DISCARD_TIME_SECONDS_TOTAL = "node_disk_discard_time_seconds_total"
NODE_DISK_FLUSH_REQUESTS_TOTAL = "node_disk_flush_requests_total"
NODE_DISK_FLUSH_REQUESTS_TIME_SECONDS_TOTAL = "node_disk_flush_requests_time_seconds_total"

# --- filesystem ------------------------------------------------------------------------------
NODE_FILESYSTEM_SIZE_BYTES = "node_filesystem_size_bytes"
NODE_FILESYSTEM_FREE_BYTES = "node_filesystem_free_bytes"
NODE_FILESYSTEM_AVAIL_BYTES = "node_filesystem_avail_bytes"
NODE_FILESYSTEM_FILES = "node_filesystem_files"
NODE_FILESYSTEM_FILES_FREE = "node_filesystem_files_free"
NODE_FILESYSTEM_READONLY = "node_filesystem_readonly"
NODE_FILESYSTEM_DEVICE_ERROR = "node_filesystem_device_error"

# --- netdev ----------------------------------------------------------------------------------
NETDEV_RECEIVE_FIELDS = (
    "bytes", "packets", "errs", "drop", "fifo", "frame", "compressed", "multicast",
)
NETDEV_TRANSMIT_FIELDS = (
    "bytes", "packets", "errs", "drop", "fifo", "colls", "carrier", "compressed",
)


def netdev_metric(direction: str, field: str) -> str:
    """Return node_exporter's metric name for one /proc/net/dev column."""
    return f"node_network_{direction}_{field}_total"


NODE_NETWORK_RECEIVE_BYTES_TOTAL = netdev_metric("receive", "bytes")
NODE_NETWORK_TRANSMIT_BYTES_TOTAL = netdev_metric("transmit", "bytes")
NODE_NETWORK_RECEIVE_ERRS_TOTAL = netdev_metric("receive", "errs")
NODE_NETWORK_TRANSMIT_ERRS_TOTAL = netdev_metric("transmit", "errs")
NODE_NETWORK_RECEIVE_DROP_TOTAL = netdev_metric("receive", "drop")
NODE_NETWORK_TRANSMIT_DROP_TOTAL = netdev_metric("transmit", "drop")

# --- netstat (node_exporter's default field selection, verbatim kernel names) -----------------
NETSTAT_FIELDS = (
    "Icmp_InErrors", "Icmp_InMsgs", "Icmp_OutMsgs",
    "Icmp6_InErrors", "Icmp6_InMsgs", "Icmp6_OutMsgs",
    "Ip_Forwarding", "Ip6_InOctets", "Ip6_OutOctets", "IpExt_InOctets", "IpExt_OutOctets",
    "Tcp_ActiveOpens", "Tcp_CurrEstab", "Tcp_InErrs", "Tcp_InSegs", "Tcp_OutRsts",
    "Tcp_OutSegs", "Tcp_PassiveOpens", "Tcp_RetransSegs",
    "TcpExt_ListenDrops", "TcpExt_ListenOverflows", "TcpExt_SyncookiesFailed",
    "TcpExt_SyncookiesRecv", "TcpExt_SyncookiesSent", "TcpExt_TCPSynRetrans",
    "TcpExt_TCPTimeouts",
    "Udp_InDatagrams", "Udp_InErrors", "Udp_NoPorts", "Udp_OutDatagrams", "Udp_RcvbufErrors",
    "Udp_SndbufErrors",
    "Udp6_InDatagrams", "Udp6_InErrors", "Udp6_NoPorts", "Udp6_OutDatagrams",
    "Udp6_RcvbufErrors", "Udp6_SndbufErrors",
    "UdpLite_InErrors", "UdpLite6_InErrors",
)


def netstat_metric(field: str) -> str:
    """Return node_exporter's metric name for one netstat/snmp counter."""
    return f"node_netstat_{field}"


NODE_NETSTAT_TCP_RETRANSSEGS = netstat_metric("Tcp_RetransSegs")
NODE_NETSTAT_TCP_OUTSEGS = netstat_metric("Tcp_OutSegs")
NODE_NETSTAT_TCPEXT_LISTENOVERFLOWS = netstat_metric("TcpExt_ListenOverflows")

# --- sockstat (verbatim protocol names from /proc/net/sockstat{,6}) ---------------------------
SOCKSTAT_FIELDS = (
    "TCP_alloc", "TCP_inuse", "TCP_mem", "TCP_orphan", "TCP_tw", "UDP_inuse", "UDP_mem",
    "UDPLITE_inuse", "RAW_inuse", "FRAG_inuse", "FRAG_memory", "TCP6_inuse", "UDP6_inuse",
    "UDPLITE6_inuse", "RAW6_inuse", "FRAG6_inuse", "FRAG6_memory",
)
SOCKSTAT_PAGE_FIELDS = ("TCP_mem", "UDP_mem")


def sockstat_metric(field: str) -> str:
    """Return node_exporter's metric name for one sockstat field."""
    return f"node_sockstat_{field}"


def sockstat_bytes_metric(field: str) -> str:
    """Return node_exporter's byte-valued twin of a page-counted sockstat field."""
    return f"node_sockstat_{field}_bytes"


NODE_SOCKSTAT_SOCKETS_USED = "node_sockstat_sockets_used"
NODE_SOCKSTAT_TCP_TW = sockstat_metric("TCP_tw")

# --- tcpstat ---------------------------------------------------------------------------------
NODE_TCP_CONNECTION_STATES = "node_tcp_connection_states"

# --- stat ------------------------------------------------------------------------------------
NODE_BOOT_TIME_SECONDS = "node_boot_time_seconds"
NODE_CONTEXT_SWITCHES_TOTAL = "node_context_switches_total"
NODE_FORKS_TOTAL = "node_forks_total"
NODE_INTR_TOTAL = "node_intr_total"
NODE_PROCS_RUNNING = "node_procs_running"
NODE_PROCS_BLOCKED = "node_procs_blocked"

# --- processes -------------------------------------------------------------------------------
NODE_PROCESSES_THREADS = "node_processes_threads"
NODE_PROCESSES_PIDS = "node_processes_pids"
NODE_PROCESSES_MAX_THREADS = "node_processes_max_threads"
NODE_PROCESSES_MAX_PROCESSES = "node_processes_max_processes"

# --- filefd ----------------------------------------------------------------------------------
NODE_FILEFD_ALLOCATED = "node_filefd_allocated"
NODE_FILEFD_MAXIMUM = "node_filefd_maximum"

# --- pressure --------------------------------------------------------------------------------
NODE_PRESSURE_CPU_WAITING_SECONDS_TOTAL = "node_pressure_cpu_waiting_seconds_total"
NODE_PRESSURE_CPU_STALLED_SECONDS_TOTAL = "node_pressure_cpu_stalled_seconds_total"
NODE_PRESSURE_IO_WAITING_SECONDS_TOTAL = "node_pressure_io_waiting_seconds_total"
NODE_PRESSURE_IO_STALLED_SECONDS_TOTAL = "node_pressure_io_stalled_seconds_total"
NODE_PRESSURE_MEMORY_WAITING_SECONDS_TOTAL = "node_pressure_memory_waiting_seconds_total"
NODE_PRESSURE_MEMORY_STALLED_SECONDS_TOTAL = "node_pressure_memory_stalled_seconds_total"

# --- uname and time --------------------------------------------------------------------------
NODE_UNAME_INFO = "node_uname_info"
NODE_TIME_SECONDS = "node_time_seconds"

# --- process: named groups (process-exporter's names) and top-N ------------------------------
NAMEDPROCESS_NUM_PROCS = "namedprocess_namegroup_num_procs"
NAMEDPROCESS_CPU_SECONDS_TOTAL = "namedprocess_namegroup_cpu_seconds_total"
NAMEDPROCESS_MEMORY_BYTES = "namedprocess_namegroup_memory_bytes"
NAMEDPROCESS_NUM_THREADS = "namedprocess_namegroup_num_threads"
NAMEDPROCESS_OPEN_FILEDESC = "namedprocess_namegroup_open_filedesc"
NAMEDPROCESS_READ_BYTES_TOTAL = "namedprocess_namegroup_read_bytes_total"
NAMEDPROCESS_WRITE_BYTES_TOTAL = "namedprocess_namegroup_write_bytes_total"
PERFSIGHT_PROCESS_CPU_SECONDS_TOTAL = "perfsight_process_cpu_seconds_total"
PERFSIGHT_PROCESS_RESIDENT_MEMORY_BYTES = "perfsight_process_resident_memory_bytes"
PERFSIGHT_PROCESS_THREADS = "perfsight_process_threads"
PERFSIGHT_PROCESS_OPEN_FDS = "perfsight_process_open_fds"
PERFSIGHT_PROCESS_READ_BYTES_TOTAL = "perfsight_process_read_bytes_total"
PERFSIGHT_PROCESS_WRITE_BYTES_TOTAL = "perfsight_process_write_bytes_total"
PERFSIGHT_PROCESS_SEEN = "perfsight_process_seen"
PERFSIGHT_PROCESS_OMITTED = "perfsight_process_omitted"

# --- the one allow-list of names that break the naming guide, kept for node_exporter ---------
NODE_VERBATIM_NAMES: frozenset[str] = frozenset(
    [meminfo_metric(f) for f in MEMINFO_BYTE_FIELDS + MEMINFO_COUNT_FIELDS]
    + [netstat_metric(f) for f in NETSTAT_FIELDS]
    + [sockstat_metric(f) for f in SOCKSTAT_FIELDS]
    + [sockstat_bytes_metric(f) for f in SOCKSTAT_PAGE_FIELDS]
)
