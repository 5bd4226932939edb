"""Recording-rule generators (USE, RED, SLO, capacity, anomaly) and their generated YAML."""
