"""perfsight.yaml: every problem reported with its path; good specs become typed settings."""

from pathlib import Path
from typing import Any

import pytest
import yaml

from bundle.__main__ import plan
from bundle.spec import LatencySli, ProbeSli, RatioSli, load_spec, parse_spec
from exporters.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent

SERVICES = [{"name": "api"}]


def slo(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "service": "api", "name": "availability", "objective": 99.9,
        "sli": {"kind": "ratio", "preset": "classic", "selector": 'job="api"'},
    }
    base.update(changes)
    return base


def problems_of(data: Any) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_spec(data)
    return caught.value.problems


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(
            {"services": SERVICES, "slos": [slo(), slo(name="b"), slo(name="c", objective=100)]},
            "slos[2].objective: must be between 0 and 100, got 100",
            id="an objective of 100 leaves no error budget",
        ),
        pytest.param(
            {"services": SERVICES, "slos": [slo(objective=None)]},
            "slos[0].objective: required (a percentage such as 99.9)",
            id="an objective is required",
        ),
        pytest.param(
            {"services": SERVICES, "slos": [slo(period="1d")]},
            "slos[0].period: must be between 7d and 90d",
            id="a period shorter than the slow-burn window is refused",
        ),
        pytest.param(
            {"services": SERVICES, "slos": [slo(period="monthly")]},
            "slos[0].period: must be a duration like 30d or 1h30m, got 'monthly'",
            id="a period must be a Prometheus duration",
        ),
        pytest.param(
            {"services": SERVICES, "slos": [slo(service="billing")]},
            "slos[0].service: 'billing' is not in services",
            id="an SLO names a declared service",
        ),
        pytest.param(
            {"services": SERVICES, "slos": [slo(), slo()]},
            "slos[1].name: 'availability' is declared twice for 'api'",
            id="SLO names are unique per service",
        ),
        pytest.param(
            {"services": SERVICES, "slos": [slo(sli={"kind": "ratio", "bad": "x{", "total": "y"})]},
            "slos[0].sli.bad: not valid PromQL",
            id="a ratio selector must parse",
        ),
        pytest.param(
            {"services": SERVICES,
             "slos": [slo(sli={"kind": "ratio", "bad": "sum(x)", "total": "y"})]},
            "slos[0].sli.bad: must be a series selector",
            id="a ratio selector is a plain series selector, not an expression",
        ),
        pytest.param(
            {"services": SERVICES, "slos": [slo(sli={"kind": "latency", "preset": "otel"})]},
            "slos[0].sli.threshold_seconds: required (a histogram bucket bound)",
            id="a latency SLI needs its threshold",
        ),
        pytest.param(
            {"services": SERVICES, "slos": [slo(sli={"kind": "probe", "selector": "job=probe"})]},
            "slos[0].sli.selector: not valid PromQL",
            id="label matchers must parse",
        ),
        pytest.param(
            {"services": SERVICES,
             "slos": [slo(sli={"kind": "probe", "selector": 'job="p"', "preset": "otel"})]},
            "slos[0].sli.preset: not used by kind probe",
            id="fields of another SLI kind are refused",
        ),
        pytest.param(
            {"services": SERVICES, "slos": [slo(sli={"kind": "availability"})]},
            "slos[0].sli.kind: must be one of ratio, latency, probe, got 'availability'",
            id="an unknown SLI kind lists the known ones",
        ),
        pytest.param(
            {"services": [{"name": "api", "depends_on": ["db"]}]},
            "services[0].depends_on[0]: 'db' is not in dependencies",
            id="dependencies must be declared",
        ),
        pytest.param(
            {"alerts": {"HostDiskFull": {"enabled": False}}},
            "alerts.HostDiskFull: unknown field",
            id="overrides name existing alerts",
        ),
        pytest.param(
            {"alerts": {"HostDiskFillingUp": {"severity": "page"}}},
            "alerts.HostDiskFillingUp.severity: must be one of critical, warning, info, got 'page'",
            id="severity is one of three",
        ),
        pytest.param(
            {"alerts": {"HostDiskFillingUp": {"for": "soon"}}},
            "alerts.HostDiskFillingUp.for: must be a duration like 30d or 1h30m, got 'soon'",
            id="for is a duration",
        ),
        pytest.param(
            {"alerts": {"HostDiskFillingUp": {"labels": {"severity": "critical"}}}},
            "alerts.HostDiskFillingUp.labels.severity: reserved, set it with the alert's own field",
            id="severity cannot sneak in as an extra label",
        ),
        pytest.param(
            {"alerts": {"ExporterDown": {"enabled": "no"}}},
            "alerts.ExporterDown.enabled: must be true or false, got 'no'",
            id="enabled is a boolean",
        ),
        pytest.param(
            {"capacity": {"horizons": {"disk": "5m"}}},
            "capacity.horizons.disk: must be between 1h and 365d",
            id="horizons are at least an hour",
        ),
        pytest.param(
            {"links": {"dashboard_base_url": "grafana:3000"}},
            "links.dashboard_base_url: must start with http:// or https://, got 'grafana:3000'",
            id="links are URLs",
        ),
        pytest.param(
            {"selectors": {"nginx": 'job="nginx"'}},
            "selectors.nginx: unknown field",
            id="only known exporters have selectors",
        ),
        pytest.param([1, 2], "(top level): must be a mapping", id="the spec is a mapping"),
    ],
)
def test_problem_is_reported_with_its_path(data: Any, expected: str) -> None:
    problems = problems_of(data)
    assert any(p.startswith(expected) for p in problems), problems


def test_every_problem_is_reported_at_once() -> None:
    problems = problems_of({
        "services": SERVICES,
        "slos": [slo(objective=120), slo(name="b", period="2d")],
        "anomaly": {"z_threshold": -1},
    })
    assert [p.split(":")[0] for p in problems] == [
        "slos[0].objective", "slos[1].period", "anomaly.z_threshold",
    ]


def test_presets_expand_to_the_conventional_metric_names() -> None:
    spec = parse_spec({
        "services": SERVICES,
        "slos": [
            slo(sli={"kind": "ratio", "preset": "otel", "selector": 'job="api"'}),
            slo(name="lat", sli={"kind": "latency", "preset": "classic", "selector": 'job="api"',
                                 "threshold_seconds": 0.25}),
            slo(name="classic"),
        ],
    })
    assert spec.slos[0].sli == RatioSli(
        bad='http_server_request_duration_seconds_count{job="api",http_response_status_code=~"5.."}',
        total='http_server_request_duration_seconds_count{job="api"}',
        preset="otel", selector='job="api"',
    )
    assert spec.slos[1].sli == LatencySli("http_request_duration_seconds", 'job="api"', 0.25,
                                          preset="classic")
    assert spec.slos[2].sli == RatioSli(
        bad='http_requests_total{job="api",code=~"5.."}', total='http_requests_total{job="api"}',
        preset="classic", selector='job="api"',
    )
    assert spec.slos[0].error_budget == pytest.approx(0.001)
    assert spec.slos[0].period_seconds == 30 * 86400


def test_empty_spec_gets_defaults() -> None:
    spec = parse_spec(None)
    assert spec.selectors["host"] == 'job="host"'
    assert spec.slos == ()
    assert spec.override("ExporterDown").enabled


def test_shipped_spec_is_valid_and_uses_every_sli_kind() -> None:
    spec = load_spec(ROOT / "perfsight.yaml")
    kinds = {type(s.sli) for s in spec.slos}
    assert kinds == {RatioSli, LatencySli, ProbeSli}


def test_generation_stops_on_a_bad_spec(tmp_path: Path) -> None:
    (tmp_path / "perfsight.yaml").write_text(yaml.safe_dump({"slos": [{"objective": 0}]}))
    with pytest.raises(ConfigError) as caught:
        plan(tmp_path)
    assert "slos[0].objective: must be between 0 and 100, got 0" in caught.value.problems


@pytest.mark.parametrize(("objective", "period", "refused"), [
    (90, "30d", True), (93.1, "30d", False), (80, "7d", False), (70, "7d", True),
])
def test_an_objective_whose_fast_burn_page_could_never_fire_is_refused(
    objective: float, period: str, refused: bool
) -> None:
    spec = {"services": [{"name": "a"}], "slos": [{
        "service": "a", "name": "x", "objective": objective, "period": period,
        "sli": {"kind": "probe", "selector": 'job="p"'}}]}
    if not refused:
        parse_spec(spec)
        return
    with pytest.raises(ConfigError) as caught:
        parse_spec(spec)
    assert any(problem.startswith("slos[0].objective:") and "could never fire" in problem
               for problem in caught.value.problems), caught.value.problems


def test_unreadable_yaml_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "perfsight.yaml"
    path.write_text("slos: [\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_spec(path)
