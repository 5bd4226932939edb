"""Synthetic probes: HTTP(S), TCP and DNS kinds for `/probe`, the address guard, the scheduler."""
