"""TLS and basic auth end to end through `perfsight serve`; no secret ever reaches the logs."""

import socket
import ssl
import urllib.error
import urllib.request
from pathlib import Path

import bcrypt
import pytest
import requests

from tests.harness.exporter import running_exporter
from tests.harness.servers import Server, free_port, perfsight_argv
from tests.harness.tls import self_signed_certificate

pytestmark = pytest.mark.integration
PASSWORD = "s3cret-Passw0rd"


@pytest.fixture
def web_config(tmp_path: Path) -> tuple[Path, Path]:
    cert, key = self_signed_certificate(tmp_path)
    hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode()
    config = tmp_path / "web.yml"
    config.write_text(
        f"tls_server_config:\n  cert_file: {cert}\n  key_file: {key}\n"
        f"basic_auth_users:\n  prometheus: '{hashed}'\n"
    )
    return config, cert


def test_tls_with_basic_auth(tmp_path: Path, web_config: tuple[Path, Path]) -> None:
    config, cert = web_config
    flag = f"--web.config.file={config}"
    with running_exporter(tmp_path, flag, scheme="https", verify=str(cert)) as url:
        metrics = f"{url}/metrics"
        assert requests.get(metrics, verify=str(cert), timeout=10).status_code == 401
        wrong = requests.get(metrics, verify=str(cert), auth=("prometheus", "nope"), timeout=10)
        assert wrong.status_code == 401
        assert wrong.headers["WWW-Authenticate"].startswith("Basic")
        right = requests.get(metrics, verify=str(cert), auth=("prometheus", PASSWORD), timeout=10)
        assert right.status_code == 200
        assert "node_cpu_seconds_total" in right.text
        assert requests.get(f"{url}/-/healthy", verify=str(cert), timeout=10).status_code == 200
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(metrics, timeout=10)  # untrusted certificate is refused by clients
        plain = url.replace("https://", "http://")
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(f"{plain}/metrics", timeout=5)  # no plain-HTTP fallback


def test_a_stalled_tls_client_does_not_block_others(
    tmp_path: Path, web_config: tuple[Path, Path]
) -> None:
    config, cert = web_config
    flag = f"--web.config.file={config}"
    with running_exporter(tmp_path, flag, scheme="https", verify=str(cert)) as url:
        host, port = url.removeprefix("https://").split(":")
        with socket.create_connection((host, int(port))):  # connects, never says hello
            context = ssl.create_default_context(cafile=str(cert))
            request = urllib.request.Request(f"{url}/-/healthy")
            with urllib.request.urlopen(request, context=context, timeout=5) as response:
                assert response.status == 200


def test_a_bad_web_config_is_a_start_up_error_without_secrets(tmp_path: Path) -> None:
    hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode()
    config = tmp_path / "web.yml"
    config.write_text(
        "tls_server_config:\n  cert_file: /nonexistent/cert.pem\n"
        f"basic_auth_users:\n  alice: 'not-a-hash'\n  bob: '{hashed}'\n"
        "colour: blue\n"
    )
    port = free_port()
    server = Server(
        "perfsight-bad-web",
        perfsight_argv("serve", f"--web.listen-address=127.0.0.1:{port}",
                       f"--web.config.file={config}"),
        tmp_path,
    )
    assert server.process.wait(timeout=30) == 2
    output = server.log()
    server.stop()
    assert "colour: unknown field" in output
    assert "tls_server_config.key_file: required" in output
    assert "basic_auth_users.alice: not a bcrypt hash" in output
    assert hashed not in output and "not-a-hash" not in output
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2)
