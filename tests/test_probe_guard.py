"""The address guard: built-in refusals, allow/deny lists, names checked after resolution."""

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import yaml

from exporters.config import parse_settings
from exporters.errors import ConfigError
from exporters.names import multitarget as runner_names
from exporters.names import probe as names
from exporters.probes import guard
from exporters.probes.guard import AddressGuard, GuardSettings, parse_guard
from exporters.validation import Validator
from tests.harness.dns_responder import Zone, running_dns
from tests.harness.exporter import running_exporter
from tests.harness.origin import running_origin
from tests.harness.probe_client import one, parse
from tests.probe_helpers import probe, value


def configured(**section: object) -> AddressGuard:
    check = Validator()
    settings = parse_guard(check, section)
    assert not check.problems, check.problems
    return AddressGuard(settings)


@pytest.mark.parametrize(
    ("ip", "reason"),
    [
        ("169.254.169.254", "cloud metadata"),
        ("fd00:ec2::254", "cloud metadata"),
        ("::ffff:169.254.169.254", "cloud metadata"),
        ("169.254.10.1", "link-local"),
        ("fe80::1", "link-local"),
    ],
)
def test_built_in_refusals(ip: str, reason: str) -> None:
    refusal = AddressGuard().check_address("", ip, 80)
    assert refusal is not None and reason in refusal


def test_ordinary_addresses_pass_without_a_list() -> None:
    assert AddressGuard().check_address("example.com", "93.184.216.34", 443) is None
    assert AddressGuard().check_address("", "127.0.0.1", 8080) is None


def test_the_exporters_own_listener_is_refused_on_its_port_only() -> None:
    bound = AddressGuard(listen=("127.0.0.1", 9100))
    assert "own listener" in (bound.check_address("", "127.0.0.1", 9100) or "")
    assert bound.check_address("", "127.0.0.1", 9101) is None
    everywhere = AddressGuard(listen=("0.0.0.0", 9100))
    assert "own listener" in (everywhere.check_address("", "127.0.0.1", 9100) or "")
    assert everywhere.check_address("", "93.184.216.34", 9100) is None


def test_an_allow_list_admits_its_cidrs_and_host_patterns_only() -> None:
    listed = configured(allow=["10.0.0.0/8", "*.example.com"])
    assert listed.check_address("db.internal", "10.1.2.3", 80) is None
    assert listed.check_address("www.example.com", "93.184.216.34", 80) is None
    assert "not in probe_guard.allow" in (listed.check_address("other.org", "8.8.8.8", 80) or "")


def test_only_an_explicit_allow_entry_opens_a_built_in_refusal() -> None:
    assert configured(allow=["169.254.169.254/32"]).check_address(
        "", "169.254.169.254", 80) is None
    assert configured(allow=["0.0.0.0/0"]).check_address("", "169.254.169.254", 80) is not None


def test_deny_entries_win_over_allow_entries() -> None:
    both = configured(allow=["10.0.0.0/8"], deny=["10.9.0.0/16", "*.corp"])
    assert "denied network" in (both.check_address("", "10.9.1.1", 80) or "")
    assert "denied host" in (both.check_address("x.corp", "10.1.1.1", 80) or "")
    assert both.check_address("", "10.1.1.1", 80) is None


def test_bad_guard_entries_are_reported_with_their_paths() -> None:
    with pytest.raises(ConfigError) as error:
        parse_settings({"probe_guard": {"allow": ["10.0.0.0/33", 7], "deny": "x",
                                        "resolver": "dns.example", "extra": 1}})
    text = error.value.render()
    for path in ("probe_guard.allow[0]", "probe_guard.allow[1]", "probe_guard.deny",
                 "probe_guard.resolver", "probe_guard.extra"):
        assert path in text


@pytest.fixture
def resolver_guard() -> Iterator[tuple[Zone, int]]:
    """Install a guard resolving names with a local DNS server; restore the default after."""
    zone = Zone({"origin.test": "127.0.0.1", "metadata.test": "169.254.169.254",
                 "internal.test": "127.0.0.2"})
    with running_dns(zone) as port:
        guard.install(AddressGuard(GuardSettings(
            deny=parse_guard(Validator(), {"deny": ["127.0.0.2/32"]}).deny,
            resolver=("127.0.0.1", port),
        )))
        yield zone, port
    guard.install(AddressGuard())


@pytest.fixture
def watched_listener() -> Iterator[tuple[int, list[object]]]:
    """Listen on 127.0.0.2 and remember every connection accepted."""
    accepted: list[object] = []
    listener = socket.create_server(("127.0.0.2", 0))

    def accept() -> None:
        while True:
            try:
                accepted.append(listener.accept())
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield listener.getsockname()[1], accepted
    listener.close()


@pytest.mark.integration
def test_a_redirect_to_a_name_resolving_to_a_denied_address_opens_no_connection(
    resolver_guard: tuple[Zone, int], watched_listener: tuple[int, list[object]]
) -> None:
    port, accepted = watched_listener
    with running_origin() as origin:
        origin_port = origin.url.rsplit(":", 1)[1]
        values = probe(
            "http", f"http://origin.test:{origin_port}/redirect?to="
            f"http://internal.test:{port}/", {"preferred_ip_protocol": "ip4"},
        )
    assert value(values, names.PROBE_SUCCESS) == 0
    assert value(values, names.PROBE_HTTP_REDIRECTS) == 1
    assert accepted == []


@pytest.mark.integration
def test_tcp_and_dns_probes_check_the_address_they_connect_to(
    resolver_guard: tuple[Zone, int], watched_listener: tuple[int, list[object]]
) -> None:
    port, accepted = watched_listener
    assert value(probe("tcp", f"internal.test:{port}"), names.PROBE_SUCCESS) == 0
    assert value(probe("tcp", f"127.0.0.2:{port}"), names.PROBE_SUCCESS) == 0
    assert value(probe("dns", f"127.0.0.2:{port}", {"query_name": "origin.test",
                                                    "transport": "tcp"}), names.PROBE_SUCCESS) == 0
    assert accepted == []


@pytest.mark.integration
def test_probe_refuses_forbidden_targets_with_403_and_counts_them(tmp_path: Path) -> None:
    zone = Zone({"origin.test": "127.0.0.1", "metadata.test": "169.254.169.254"})
    with running_dns(zone) as dns_port, running_origin() as origin:
        origin_port = origin.url.rsplit(":", 1)[1]
        config = tmp_path / "perfsight.yaml"
        config.write_text(yaml.safe_dump({"probe_guard": {"resolver": f"127.0.0.1:{dns_port}"}}))
        with running_exporter(tmp_path, f"--config.file={config}") as url:
            own_port = url.rsplit(":", 1)[1]

            def ask(target: str, module: str = "http_2xx") -> requests.Response:
                return requests.get(f"{url}/probe", params={"module": module,
                                                            "target": target}, timeout=10)

            refused = {
                "metadata address": ask("http://169.254.169.254/latest/meta-data/"),
                "link-local": ask("http://169.254.1.1/"),
                "name resolving to metadata": ask("http://metadata.test/"),
                "own listener": ask(f"http://127.0.0.1:{own_port}/metrics"),
                # the embedded cache modules take any address, so they are guarded too
                "redis at the metadata address": ask("169.254.169.254:80", "redis"),
                "redis at a name resolving to metadata": ask("metadata.test", "redis"),
                "memcached at the own listener": ask(f"127.0.0.1:{own_port}", "memcached"),
            }
            allowed = ask(f"http://origin.test:{origin_port}/ok")
            metrics = parse(requests.get(f"{url}/metrics", timeout=10).text)
    for what, response in refused.items():
        assert response.status_code == 403, what
    assert "cloud metadata" in refused["name resolving to metadata"].text
    assert "own listener" in refused["own listener"].text
    assert allowed.status_code == 200
    assert one(parse(allowed.text), names.PROBE_SUCCESS) == 1
    refusals = runner_names.PERFSIGHT_PROBE_REFUSED_TOTAL
    assert one(metrics, refusals, module="http_2xx") == 4
    assert one(metrics, refusals, module="redis") == 2
    assert one(metrics, refusals, module="memcached") == 1
