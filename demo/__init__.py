"""`make demo`: the whole bundle on loopback without Kubernetes; `make demo-stop` ends it."""
