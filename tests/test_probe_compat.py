"""blackbox_exporter compatibility: same targets, same names, types and labels; promtool clean."""

import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import yaml

from exporters.names import probe as names
from tests.harness.blackbox_exporter import running_blackbox_exporter
from tests.harness.dns_responder import Zone, running_dns
from tests.harness.exporter import running_exporter
from tests.harness.exposition import family_shapes
from tests.harness.origin import running_origin
from tests.harness.servers import require_binary
from tests.harness.tls import self_signed_certificate

pytestmark = pytest.mark.integration
INSECURE = {"insecure_skip_verify": True}
# module name -> (blackbox module, perfsight module); perfsight spells prober options the same
MODULES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "http_2xx": ({"prober": "http"}, {"prober": "http"}),
    "http_tls": ({"prober": "http", "http": {"tls_config": INSECURE}},
                 {"prober": "http", "http": {"tls_config": INSECURE}}),
    "tcp_connect": ({"prober": "tcp"}, {"prober": "tcp"}),
    "tls_connect": ({"prober": "tcp", "tcp": {"tls": True, "tls_config": INSECURE}},
                    {"prober": "tcp", "tcp": {"tls": True, "tls_config": INSECURE}}),
    "dns_udp": ({"prober": "dns", "dns": {"query_name": "origin.test", "query_type": "A"}},
                {"prober": "dns", "dns": {"query_name": "origin.test", "query_type": "A"}}),
}
# names blackbox_exporter emits that perfsight must emit too, per module
KEY_NAMES = {
    "http_2xx": {names.PROBE_HTTP_DURATION_SECONDS, names.PROBE_HTTP_STATUS_CODE,
                 names.PROBE_HTTP_VERSION, names.PROBE_HTTP_LAST_MODIFIED_TIMESTAMP_SECONDS},
    "http_tls": {names.PROBE_SSL_EARLIEST_CERT_EXPIRY, names.PROBE_SSL_LAST_CHAIN_INFO,
                 names.PROBE_TLS_VERSION_INFO},
    "tcp_connect": {names.PROBE_IP_ADDR_HASH, names.PROBE_FAILED_DUE_TO_REGEX},
    "tls_connect": {names.PROBE_SSL_LAST_CHAIN_INFO, names.PROBE_TLS_VERSION_INFO},
    "dns_udp": {names.PROBE_DNS_DURATION_SECONDS, names.PROBE_DNS_ANSWER_RRS},
}


@pytest.fixture(scope="module")
def answers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[str, str]]]:
    """Probe the same local targets with both exporters; module -> (blackbox, perfsight) text."""
    workdir = tmp_path_factory.mktemp("compat")
    cert = self_signed_certificate(workdir)
    config = workdir / "perfsight.yaml"
    config.write_text(yaml.safe_dump({"modules": {m: p for m, (_, p) in MODULES.items()}}))
    with (
        running_origin() as plain, running_origin(cert) as tls,
        running_dns(Zone({"origin.test": "127.0.0.1"})) as dns_port,
        running_blackbox_exporter(workdir, {m: b for m, (b, _) in MODULES.items()}) as blackbox,
        running_exporter(workdir, f"--config.file={config}") as perfsight,
    ):
        targets = {
            "http_2xx": f"{plain.url}/ok", "http_tls": f"{tls.url}/ok",
            "tcp_connect": plain.url.removeprefix("http://"),
            "tls_connect": tls.url.removeprefix("https://"),
            "dns_udp": f"127.0.0.1:{dns_port}",
        }
        yield {
            module: tuple(  # type: ignore[misc]
                requests.get(f"{base}/probe", params={"module": module, "target": target},
                             timeout=10).text
                for base in (blackbox, perfsight)
            )
            for module, target in targets.items()
        }


@pytest.mark.parametrize("module", sorted(MODULES))
def test_both_succeed_and_shared_names_have_the_same_type_and_labels(
    answers: dict[str, tuple[str, str]], module: str
) -> None:
    blackbox, perfsight = (family_shapes(text) for text in answers[module])
    assert blackbox[names.PROBE_SUCCESS] and "probe_success 1" in answers[module][0], blackbox
    assert "probe_success 1.0" in answers[module][1], answers[module][1]
    shared = set(blackbox) & set(perfsight)
    assert KEY_NAMES[module] <= shared
    assert {name: blackbox[name] for name in shared} == {name: perfsight[name] for name in shared}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_perfsight_emits_every_name_blackbox_emits(
    answers: dict[str, tuple[str, str]], module: str
) -> None:
    blackbox, perfsight = (family_shapes(text) for text in answers[module])
    assert set(blackbox) - set(perfsight) == set()


@pytest.mark.parametrize("module", sorted(MODULES))
def test_promtool_check_metrics_is_clean(
    answers: dict[str, tuple[str, str]], module: str
) -> None:
    checked = subprocess.run(
        [require_binary("promtool"), "check", "metrics"], input=answers[module][1],
        capture_output=True, text=True, check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
