"""Helpers to run a collector into a fresh registry and read samples back."""

from prometheus_client import CollectorRegistry
from prometheus_client.exposition import generate_latest

from exporters.collectors.base import Collector


def registry_of(*collectors: Collector) -> CollectorRegistry:
    """Register collectors in a fresh registry, as a scrape would see them."""
    registry = CollectorRegistry(auto_describe=False)
    for collector in collectors:
        registry.register(collector)
    return registry


def exposition(*collectors: Collector) -> str:
    """Return the text exposition of the given collectors."""
    return generate_latest(registry_of(*collectors)).decode()
