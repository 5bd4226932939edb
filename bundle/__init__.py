"""Generators of every committed artifact (rules, dashboards, Alertmanager config) from one spec."""
