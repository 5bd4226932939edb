"""grafanalib dashboard sources (*.dashboard.py), the house-style layer, generated JSON."""
