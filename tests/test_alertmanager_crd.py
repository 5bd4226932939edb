"""The generated Alertmanager config becomes an AlertmanagerConfig spec without losing anything."""

import json
from typing import Any

import helm_python as helm
import pytest
import yaml

from bundle.alertmanager_crd import alertmanager_config_spec
from exporters.errors import ConfigError
from tests.harness.chart import ROOT, fixture_values, objects, of_kind, render

GENERATED = ROOT / "alertmanager" / "alertmanager.yml"


def matcher_text(matcher: dict[str, str]) -> str:
    return f'{matcher["name"]}{matcher["matchType"]}{json.dumps(matcher["value"])}'


def route_back(route: dict[str, Any]) -> dict[str, Any]:
    """Turn a converted route back into Alertmanager's own spelling."""
    names = {"groupBy": "group_by", "groupWait": "group_wait", "groupInterval": "group_interval",
             "repeatInterval": "repeat_interval", "receiver": "receiver", "continue": "continue"}
    back: dict[str, Any] = {names[k]: v for k, v in route.items() if k in names}
    if "matchers" in route:
        back["matchers"] = [matcher_text(m) for m in route["matchers"]]
    if "routes" in route:
        back["routes"] = [route_back(r) for r in route["routes"]]
    return back


def test_matchers_routes_and_inhibitions_are_translated() -> None:
    config = {
        "route": {"receiver": "ticket", "group_by": ["alertname"], "group_wait": "30s",
                  "routes": [{"matchers": ['severity="critical"', 'team=~"db|ops"'],
                              "receiver": "page", "continue": True}]},
        "inhibit_rules": [{"source_matchers": ['alertname!~"A|B"'],
                           "target_matchers": ['note="say \\"hi\\""'], "equal": ["instance"]}],
        "receivers": [{"name": "ticket"}, {"name": "page"}],
    }
    spec = alertmanager_config_spec(config, "test")
    assert spec["route"] == {
        "receiver": "ticket", "groupBy": ["alertname"], "groupWait": "30s",
        "routes": [{"receiver": "page", "continue": True, "matchers": [
            {"name": "severity", "matchType": "=", "value": "critical"},
            {"name": "team", "matchType": "=~", "value": "db|ops"}]}],
    }
    assert spec["inhibitRules"] == [{
        "sourceMatch": [{"name": "alertname", "matchType": "!~", "value": "A|B"}],
        "targetMatch": [{"name": "note", "matchType": "=", "value": 'say "hi"'}],
        "equal": ["instance"],
    }]
    assert spec["receiverNames"] == ["page", "ticket"]


def test_what_has_no_equivalent_is_reported_with_its_path() -> None:
    config = {"route": {"receiver": "x", "match": {"a": "b"},
                        "routes": [{"matchers": ["not a matcher"]}]},
              "inhibit_rules": [{"source_match": {"a": "b"}}]}
    with pytest.raises(ConfigError) as error:
        alertmanager_config_spec(config, "alertmanager/alertmanager.yml")
    assert error.value.problems == [
        "route.match: no AlertmanagerConfig equivalent (use matchers)",
        "route.routes[0].matchers[0]: 'not a matcher' is not a matcher like name=\"value\"",
        "inhibit_rules[0].source_match: no AlertmanagerConfig equivalent (use *_matchers)",
    ]


@pytest.mark.skipif(not GENERATED.exists(), reason="no generated Alertmanager config yet")
def test_chart_alertmanager_config_carries_the_generated_routing() -> None:
    generated = yaml.safe_load(GENERATED.read_text())
    (rendered,) = of_kind(objects(render(fixture_values("everything"))), "AlertmanagerConfig")
    spec = rendered["spec"]
    assert route_back(spec["route"]) == generated["route"]
    inhibitions = [{"source_matchers": [matcher_text(m) for m in rule["sourceMatch"]],
                    "target_matchers": [matcher_text(m) for m in rule["targetMatch"]],
                    **({"equal": rule["equal"]} if "equal" in rule else {})}
                   for rule in spec["inhibitRules"]]
    assert inhibitions == generated["inhibit_rules"]
    receivers = {r["name"]: r for r in spec["receivers"]}
    assert set(receivers) == {r["name"] for r in generated["receivers"]}
    assert receivers["page"]["pagerdutyConfigs"][0]["routingKey"]["name"] == "pagerduty"


@pytest.mark.skipif(not GENERATED.exists(), reason="no generated Alertmanager config yet")
def test_a_receiver_the_routing_does_not_use_fails_the_render() -> None:
    values = {"alertmanagerConfig": {"enabled": True, "receivers": {"pager": {}}}}
    with pytest.raises(helm.HelmRenderError) as error:
        render(values)
    assert "alertmanagerConfig.receivers.pager: the generated routing has no receiver" in str(
        error.value)
