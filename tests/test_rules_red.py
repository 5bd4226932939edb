"""RED rules per service: which services get them, from which conventions and selectors."""

from typing import Any

from bundle import names as rn
from bundle.spec import parse_spec
from recording_rules.red import red_rules


def ratio(service: str, sli: dict[str, Any], name: str = "availability") -> dict[str, Any]:
    return {"service": service, "name": name, "objective": 99, "sli": {"kind": "ratio", **sli}}


def test_preset_slos_give_their_service_rate_errors_and_p95() -> None:
    spec = parse_spec({
        "services": [{"name": "api"}, {"name": "legacy"}],
        "slos": [
            ratio("api", {"preset": "classic", "selector": 'job="api"'}),
            {"service": "api", "name": "latency", "objective": 99,
             "sli": {"kind": "latency", "preset": "otel", "selector": 'job="api"',
                     "threshold_seconds": 0.5}},
            ratio("api", {"preset": "classic", "selector": 'job="api"'}, name="again"),
            ratio("legacy", {"bad": 'errors_total{job="legacy"}',
                             "total": 'calls_total{job="legacy"}'}),
        ],
    })
    rules = {rule["record"]: rule for rule in red_rules(spec)}
    assert set(rules) == {rn.SERVICE_REQUESTS_RATE5M, rn.SERVICE_ERRORS_RATIO_RATE5M,
                          rn.SERVICE_LATENCY_P50_RATE5M, rn.SERVICE_LATENCY_P90_RATE5M,
                          rn.SERVICE_LATENCY_P95_RATE5M, rn.SERVICE_LATENCY_P99_RATE5M}
    # legacy's SLO names its own counters: no RED rules for it
    assert all(rule["labels"] == {rn.LABEL_SERVICE: "api"} for rule in rules.values())
    # one branch per convention (the repeated classic SLO adds none), classic first
    assert rules[rn.SERVICE_REQUESTS_RATE5M]["expr"] == (
        '(sum(rate(http_requests_total{job="api"}[5m]))) or '
        '(sum(rate(http_server_request_duration_seconds_count{job="api"}[5m])))'
    )
    assert 'http_server_request_duration_seconds_bucket{job="api"}' in (
        rules[rn.SERVICE_LATENCY_P95_RATE5M]["expr"])
