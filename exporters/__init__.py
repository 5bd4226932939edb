"""perfsight exporters: host, process, database, cache and probe metrics for Prometheus."""

__version__ = "0.1.0"
