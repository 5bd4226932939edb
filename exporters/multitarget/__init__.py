"""The multi-target pattern: `/probe?target=…&module=…` for databases, caches and probes."""
