"""Cost rates from the spec: validation, and the recorded costs evaluated by promtool."""

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from bundle import names as rn
from bundle.spec import parse_spec
from exporters.errors import ConfigError
from recording_rules.costs import cost_rules
from recording_rules.use import use_rules
from tests.harness.servers import require_binary

SERVICES = [{"name": "checkout"}, {"name": "homepage"}]
RATES = {"currency": "EUR", "instance_hourly": 0.5, "cpu_core_hourly": 0.25,
         "memory_gib_hourly": 0.125, "services": {"checkout": 3.0}}


def test_bad_cost_rates_are_all_reported() -> None:
    with pytest.raises(ConfigError) as error:
        parse_spec({"services": SERVICES, "costs": {
            "currency": "euro", "instance_hourly": -1, "cpu_core_hourly": "cheap",
            "services": {"checkout": 1, "billing": 2}, "monthly": 3,
        }})
    assert error.value.problems == [
        "costs.monthly: unknown field",
        "costs.currency: must be an ISO 4217 code like USD, got 'euro'",
        "costs.services.billing: not a service declared under services",
        "costs.instance_hourly: must be a number ≥ 0, got -1",
        "costs.cpu_core_hourly: must be a number ≥ 0, got 'cheap'",
    ]


def test_costs_default_to_zero_and_usd() -> None:
    costs = parse_spec({}).costs
    assert (costs.currency, costs.instance_hourly, dict(costs.services)) == ("USD", 0.0, {})


def test_recorded_costs_follow_cores_memory_and_service_rates(tmp_path: Path) -> None:
    spec = parse_spec({"services": SERVICES, "costs": RATES,
                       "selectors": {"host": 'job="perfsight"'}})
    host = spec.selectors["host"]
    rules = {"groups": [
        {"name": "use", "rules": use_rules(host)},
        {"name": "costs", "rules": cost_rules(spec)},
    ]}
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(rules))
    gib = 2**30
    # h1: 2 cores, 4 GiB -> 0.5 + 2 x 0.25 + 4 x 0.125 = 1.5; h2: 4 cores, 8 GiB -> 2.5
    series: list[dict[str, Any]] = []
    for instance, cores, memory in (("h1", 2, 4 * gib), ("h2", 4, 8 * gib)):
        labels = f'job="perfsight",instance="{instance}"'
        series.extend(
            {"series": f'node_cpu_seconds_total{{{labels},cpu="{cpu}",mode="idle"}}',
             "values": "0+1x5"} for cpu in range(cores)
        )
        series.append({"series": f"node_memory_MemTotal_bytes{{{labels}}}",
                       "values": f"{memory}x5"})
    expected = [
        {"expr": rn.INSTANCE_COST_PER_HOUR, "eval_time": "2m", "exp_samples": [
            {"labels": f'{rn.INSTANCE_COST_PER_HOUR}{{job="perfsight",instance="h1"}}',
             "value": 1.5},
            {"labels": f'{rn.INSTANCE_COST_PER_HOUR}{{job="perfsight",instance="h2"}}',
             "value": 2.5},
        ]},
        {"expr": rn.FLEET_COST_PER_HOUR, "eval_time": "2m",
         "exp_samples": [{"labels": rn.FLEET_COST_PER_HOUR, "value": 4.0}]},
        {"expr": rn.SERVICE_COST_PER_HOUR, "eval_time": "2m", "exp_samples": [
            {"labels": f'{rn.SERVICE_COST_PER_HOUR}{{service="checkout"}}', "value": 3.0},
        ]},
    ]
    test = {"rule_files": ["rules.yaml"], "evaluation_interval": "1m", "tests": [
        {"interval": "1m", "input_series": series, "promql_expr_test": expected},
    ]}
    (tmp_path / "costs.test.yaml").write_text(yaml.safe_dump(test))
    result = subprocess.run([require_binary("promtool"), "test", "rules", "costs.test.yaml"],
                            capture_output=True, text=True, check=False, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
