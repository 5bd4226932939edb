"""Alert-rule generators and their generated YAML, promtool unit tests alongside."""
