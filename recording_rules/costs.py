"""Cost: the spec's hourly cost rates as series, per instance, for the fleet and per service."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bundle import names as rn
from bundle.artifacts import Artifact, rule_file
from bundle.promql import select
from bundle.spec import Spec, spec_of
from exporters import names as m

PATH = "recording_rules/generated/costs.yaml"
GIB = 2**30


def cost_rules(spec: Spec) -> list[dict[str, Any]]:
    """Return per-instance cost (host + cores + memory rates), its fleet sum, service costs."""
    host, costs = spec.selectors["host"], spec.costs
    instance = (
        f"{costs.cpu_core_hourly} * {select(rn.INSTANCE_CPU_COUNT, host)}"
        f" + {costs.memory_gib_hourly} * {select(m.NODE_MEMORY_MEMTOTAL_BYTES, host)} / {GIB}"
        f" + {costs.instance_hourly}"
    )
    rules: list[dict[str, Any]] = [
        {"record": rn.INSTANCE_COST_PER_HOUR, "expr": instance},
        {"record": rn.FLEET_COST_PER_HOUR, "expr": f"sum({rn.INSTANCE_COST_PER_HOUR})"},
    ]
    rules.extend(
        {"record": rn.SERVICE_COST_PER_HOUR, "expr": f"vector({cost})",
         "labels": {rn.LABEL_SERVICE: service}}
        for service, cost in sorted(costs.services.items())
    )
    return rules


def generate(root: Path) -> Iterator[Artifact]:
    """Write the cost recording rules."""
    yield rule_file(PATH, {"perfsight-costs": cost_rules(spec_of(root))})
