"""The chart rendered by the Helm engine: golden output, lint, Kubernetes and values schemas."""

import functools
import re
import subprocess
from pathlib import Path
from typing import Any

import helm_python as helm
import kubernetes_validate
import pytest
import yaml

from demo.stack import SELECTOR_KEY, job_names
from tests.harness.chart import (
    CHART,
    NAMESPACE,
    ROOT,
    chart_copy,
    fixture_values,
    golden_text,
    objects,
    of_kind,
    render,
)
from tests.harness.servers import require_binary

GOLDEN = ROOT / "tests" / "golden" / "helm"
VALUE_SETS = ("default", "everything", "minimal")
# Prometheus Operator kinds: kubernetes-validate ships core schemas only.
OPERATOR_KINDS = {"ServiceMonitor", "PodMonitor", "PrometheusRule", "AlertmanagerConfig"}


def values_of(name: str) -> dict[str, Any]:
    return {} if name == "default" else fixture_values(name)


@functools.cache
def manifests_of(name: str) -> dict[str, str]:
    """Render one of the value sets once per session (the manifests are only read)."""
    return render(values_of(name))


def containers(rendered: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Return (pod spec, container) for every workload's containers."""
    return [
        (obj["spec"]["template"]["spec"], container)
        for obj in rendered
        if obj["kind"] in {"DaemonSet", "Deployment"}
        for container in obj["spec"]["template"]["spec"]["containers"]
    ]


@pytest.mark.parametrize("name", VALUE_SETS)
def test_render_matches_golden(name: str, update_golden: bool) -> None:
    text = golden_text(manifests_of(name))
    golden = GOLDEN / f"{name}.yaml"
    if update_golden:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text)
    assert golden.exists(), "run pytest tests/test_helm_chart.py --update-golden"
    assert text == golden.read_text(), f"{golden} differs; rerun with --update-golden if intended"


@pytest.mark.parametrize("name", VALUE_SETS)
def test_lint_is_clean(name: str) -> None:
    report = helm.lint(str(CHART), values_of(name), strict=True, namespace=NAMESPACE)
    findings = [m for m in report["messages"] if m["severity"] >= 2]
    assert not report["errors"] and not findings, report


@pytest.mark.parametrize("name", VALUE_SETS)
def test_core_objects_pass_kubernetes_validate_strict(name: str) -> None:
    version = kubernetes_validate.latest_version()
    validated, skipped = [], set()
    for obj in objects(manifests_of(name)):
        if obj["kind"] in OPERATOR_KINDS:
            # CRDs: no schema ships with kubernetes-validate; the operator validates them.
            skipped.add(obj["kind"])
            continue
        kubernetes_validate.validate(obj, version, strict=True)
        validated.append(obj["kind"])
    assert validated, "nothing rendered"
    if name == "everything":
        assert {"ServiceMonitor", "PodMonitor", "AlertmanagerConfig"} <= skipped <= OPERATOR_KINDS
        assert {"DaemonSet", "Deployment", "Service", "ConfigMap", "NetworkPolicy",
                "PodDisruptionBudget", "ServiceAccount"} <= set(validated)


def test_names_fit_kubernetes_limits_for_the_longest_release_name() -> None:
    release = "a-release-name-as-long-as-helm-allows-which-is-53-chr"
    assert len(release) == 53
    rendered = objects(render(fixture_values("everything"), release=release))
    dns_label = re.compile(r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")
    for obj in rendered:
        name = obj["metadata"]["name"]
        assert len(name) <= 253 and re.fullmatch(r"[a-z0-9]([-.a-z0-9]*[a-z0-9])?", name), name
        if obj["kind"] == "Service":
            assert dns_label.match(name), f"Service name {name!r} is not a DNS-1035 label"
        for value in obj["metadata"]["labels"].values():
            assert len(value) <= 63, value


def test_defaults_are_hardened() -> None:
    rendered = objects(manifests_of("default"))
    pods = containers(rendered)
    assert pods, "the default values must deploy the host exporter"
    for pod, container in pods:
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert pod["automountServiceAccountToken"] is False
        security = container["securityContext"]
        assert security["readOnlyRootFilesystem"] is True
        assert security["allowPrivilegeEscalation"] is False
        assert security["capabilities"]["drop"] == ["ALL"]
        assert container["resources"]["requests"] and container["resources"]["limits"]
        assert container["livenessProbe"]["httpGet"]["path"] == "/-/healthy"
        assert container["readinessProbe"]["httpGet"]["path"] == "/-/ready"


def test_host_exporter_reads_host_mounts_read_only() -> None:
    (daemonset,) = of_kind(objects(manifests_of("default")), "DaemonSet")
    spec = daemonset["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    for flag, path in (("procfs", "/host/proc"), ("sysfs", "/host/sys"), ("rootfs", "/host/root")):
        assert f"--path.{flag}={path}" in container["args"]
        assert mounts[path]["readOnly"] is True
    host_paths = {v["hostPath"]["path"] for v in spec["volumes"] if "hostPath" in v}
    assert host_paths == {"/proc", "/sys", "/"}
    assert spec["hostPID"] is False and spec["hostNetwork"] is False


def test_everything_on_wires_credentials_tls_and_host_namespaces() -> None:
    rendered = objects(manifests_of("everything"))
    by_name = {obj["metadata"]["name"]: obj for obj in of_kind(rendered, "Deployment")}
    databases = by_name["ps-perfsight-databases"]["spec"]["template"]["spec"]
    (container,) = databases["containers"]
    assert container["env"] == [{"name": "PG_PASSWORD", "valueFrom": {
        "secretKeyRef": {"name": "pg-monitor", "key": "password"}}}]
    secret_volume = {"name": "secret-redis-auth", "secret": {"secretName": "redis-auth"}}
    assert secret_volume in databases["volumes"]
    assert "--web.config.file=/etc/perfsight/web/web-config.yml" in container["args"]
    assert container["readinessProbe"]["httpGet"]["scheme"] == "HTTPS"
    config_maps = {cm["metadata"]["name"]: cm for cm in of_kind(rendered, "ConfigMap")}
    config = yaml.safe_load(config_maps["ps-perfsight-databases"]["data"]["config.yaml"])
    assert config["modules"]["pg"]["postgres"]["password"] == {"env": "PG_PASSWORD"}
    assert [t["name"] for t in config["targets"]] == ["orders-db", "sessions"]
    (daemonset,) = of_kind(rendered, "DaemonSet")
    spec = daemonset["spec"]["template"]["spec"]
    assert spec["hostPID"] is True and spec["hostNetwork"] is True
    assert spec["dnsPolicy"] == "ClusterFirstWithHostNet"
    assert "--no-collector.tcpstat" in spec["containers"][0]["args"]


def test_service_monitor_uses_the_probe_multi_target_pattern() -> None:
    rendered = objects(manifests_of("everything"))
    monitors = {m["metadata"]["name"]: m for m in of_kind(rendered, "ServiceMonitor")}
    assert set(monitors) == {f"ps-perfsight-{c}" for c in ("system", "probe", "databases")}
    endpoints = monitors["ps-perfsight-databases"]["spec"]["endpoints"]
    assert [e["path"] for e in endpoints] == ["/metrics", "/probe", "/probe"]
    probe = endpoints[1]
    assert probe["params"] == {"target": ["orders-db"], "module": ["pg"]}
    replaced = {r["targetLabel"]: r.get("replacement") for r in probe["relabelings"]}
    assert replaced["instance"] == "orders-db" and replaced["job"] == "postgres"
    sessions = {r["targetLabel"]: r.get("replacement") for r in endpoints[2]["relabelings"]}
    assert sessions["job"] == "redis"
    self_metrics = {r["targetLabel"]: r.get("replacement") for r in endpoints[0]["relabelings"]}
    assert self_metrics["job"] == "perfsight-databases"
    assert probe["scheme"] == "https" and probe["tlsConfig"] == {"insecureSkipVerify": True}
    system_labels = monitors["ps-perfsight-system"]["metadata"]["labels"]
    assert system_labels["release"] == "kube-prometheus-stack"


def test_job_labels_match_the_selectors_of_perfsight_yaml() -> None:
    if not (ROOT / "perfsight.yaml").exists():
        pytest.skip("no perfsight.yaml yet: nothing to compare the chart's job labels with")
    jobs = job_names()
    with helm.Chart.load(str(CHART)) as chart:
        defaults = chart.values
    assert defaults["system"]["job"] == jobs["host"]
    # the probe exporter's own /metrics carry the scheduled probes the probe alerts read
    assert defaults["probe"]["job"] == jobs["probe"]
    assert set(defaults["jobByProber"]) == set(SELECTOR_KEY)
    for prober, job in defaults["jobByProber"].items():
        assert job == jobs[SELECTOR_KEY[prober]], prober


def test_plain_scrape_configs_pass_promtool(tmp_path: Path) -> None:
    rendered = objects(manifests_of("everything"))
    (config_map,) = [c for c in of_kind(rendered, "ConfigMap")
                     if "scrape-configs.yaml" in c["data"]]
    jobs = yaml.safe_load(config_map["data"]["scrape-configs.yaml"])
    assert {job["job_name"] for job in jobs} == {
        "perfsight", "probe", "probe-probe", "perfsight-databases",
        "perfsight-databases-probe",
    }
    # Debian's promtool is built without Kubernetes service discovery, so only the static
    # /probe jobs can go through it; the discovery jobs are checked for what they keep.
    discovered = [job for job in jobs if "kubernetes_sd_configs" in job]
    services = {"perfsight": "system", "probe": "probe",
                "perfsight-databases": "databases"}
    for job in discovered:
        keep = [r["regex"] for r in job["relabel_configs"] if r.get("action") == "keep"]
        assert keep == [f"ps-perfsight-{services[job['job_name']]}", "http"]
    config = tmp_path / "prometheus.yml"
    static = [job for job in jobs if job not in discovered]
    assert len(static) == 2
    config.write_text(yaml.safe_dump({"scrape_configs": static}))
    result = subprocess.run([require_binary("promtool"), "check", "config", str(config)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dashboard_configmaps_carry_sidecar_label_and_folder(tmp_path: Path) -> None:
    dashboard = '{"title": "Fixture", "panels": []}\n'
    chart = chart_copy(tmp_path, {"dashboards/fixture-host.json": dashboard})
    rendered = objects(render(fixture_values("everything"), chart))
    by_name = {c["metadata"]["name"]: c for c in of_kind(rendered, "ConfigMap")}
    config_map = by_name["ps-perfsight-dashboard-fixture-host"]
    assert config_map["metadata"]["labels"]["grafana_dashboard"] == "yes"
    annotations = config_map["metadata"]["annotations"]
    assert annotations["k8s-sidecar-target-directory"] == "/tmp/dashboards/perfsight"
    assert config_map["data"] == {"fixture-host.json": dashboard}
    default_labels = {c["metadata"]["name"]: c["metadata"]["labels"]
                      for c in of_kind(objects(render({}, chart)), "ConfigMap")}
    assert default_labels["ps-perfsight-dashboard-fixture-host"]["grafana_dashboard"] == "1"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"sytem": {"enabled": True}}, "additional properties 'sytem' not allowed"),
        ({"system": {"hostPID": "yes"}}, "at '/system/hostPID': got string, want boolean"),
        ({"system": {"port": 70000}}, "at '/system/port'"),
        ({"probe": {"targets": [{"name": "x"}]}}, "missing property 'module'"),
        ({"databases": {"modules": {"pg": {"prober": "oracle"}}}},
         "at '/databases/modules/pg/prober'"),
        ({"prometheusRule": {"alertOverrides": {"HostDown": {"severity": "page"}}}},
         "value must be one of 'critical', 'warning', 'info'"),
        ({"prometheusRule": {"alertOverrides": {"HostDown": {"for": "5 minutes"}}}},
         "at '/prometheusRule/alertOverrides/HostDown/for'"),
        ({"serviceMonitor": {"interval": 30}},
         "at '/serviceMonitor/interval': got number, want string"),
        ({"databases": {"secretEnv": [{"name": "PW", "secret": "s"}]}}, "missing property 'key'"),
        ({"prometheusRule": {"alertOverrides": {"HostDown": {"threshold": 2}}}},
         "properties 'replaces' required, if 'threshold' exists"),
    ],
    ids=lambda v: str(v)[:60],
)
def test_schema_rejects_invalid_values_with_a_clear_message(
    values: dict[str, Any], message: str
) -> None:
    with helm.Chart.load(str(CHART)) as chart, pytest.raises(helm.HelmValuesError) as error:
        chart.validate_schema(values)
    assert message in str(error.value)


def test_schema_accepts_every_fixture_and_documents_every_default() -> None:
    with helm.Chart.load(str(CHART)) as chart:
        for name in VALUE_SETS:
            chart.validate_schema(values_of(name))
        schema = chart.schema
        defaults = chart.values
    assert schema is not None

    def walk(value: Any, node: dict[str, Any], path: str) -> None:
        if node.get("additionalProperties") is False:
            assert set(value) <= set(node["properties"]), path
            for key, child in value.items():
                walk(child, node["properties"][key], f"{path}.{key}")

    walk(defaults, schema, "values")
    assert set(schema["properties"]) == set(defaults)
