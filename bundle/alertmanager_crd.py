"""Translate the generated Alertmanager config into an AlertmanagerConfig (Prometheus Operator)."""

import json
import re
from typing import Any

from exporters.errors import ConfigError

MATCHER = re.compile(r'^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*")\s*$')
ROUTE_KEYS = {
    "receiver": "receiver", "group_by": "groupBy", "group_wait": "groupWait",
    "group_interval": "groupInterval", "repeat_interval": "repeatInterval",
    "continue": "continue", "mute_time_intervals": "muteTimeIntervals",
    "active_time_intervals": "activeTimeIntervals",
}


def alertmanager_config_spec(config: dict[str, Any], source: str) -> dict[str, Any]:
    """Return the route, inhibit rules and receiver names of an AlertmanagerConfig spec."""
    problems: list[str] = []
    spec = {
        "route": _route(config["route"], "route", problems),
        "inhibitRules": [_inhibit_rule(rule, f"inhibit_rules[{i}]", problems)
                         for i, rule in enumerate(config.get("inhibit_rules") or [])],
        "receiverNames": sorted(receiver["name"] for receiver in config.get("receivers") or []),
    }
    if problems:
        raise ConfigError(source, problems)
    return spec


def _route(route: dict[str, Any], path: str, problems: list[str]) -> dict[str, Any]:
    converted: dict[str, Any] = {}
    for key, value in route.items():
        if key == "matchers":
            converted["matchers"] = [_matcher(m, f"{path}.matchers[{i}]", problems)
                                     for i, m in enumerate(value)]
        elif key == "routes":
            converted["routes"] = [_route(r, f"{path}.routes[{i}]", problems)
                                   for i, r in enumerate(value)]
        elif key in ROUTE_KEYS:
            converted[ROUTE_KEYS[key]] = value
        else:
            problems.append(f"{path}.{key}: no AlertmanagerConfig equivalent (use matchers)")
    return converted


def _inhibit_rule(rule: dict[str, Any], path: str, problems: list[str]) -> dict[str, Any]:
    converted: dict[str, Any] = {}
    for key, target in (("source_matchers", "sourceMatch"), ("target_matchers", "targetMatch")):
        converted[target] = [_matcher(m, f"{path}.{key}[{i}]", problems)
                             for i, m in enumerate(rule.get(key) or [])]
    if "equal" in rule:
        converted["equal"] = rule["equal"]
    for key in set(rule) - {"source_matchers", "target_matchers", "equal"}:
        problems.append(f"{path}.{key}: no AlertmanagerConfig equivalent (use *_matchers)")
    return converted


def _matcher(text: str, path: str, problems: list[str]) -> dict[str, str]:
    match = MATCHER.match(text)
    if match is None:
        problems.append(f"{path}: {text!r} is not a matcher like name=\"value\"")
        return {}
    name, operator, quoted = match.groups()
    return {"name": name, "matchType": operator, "value": json.loads(quoted)}
