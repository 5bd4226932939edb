"""The mysql prober's options, addresses and value parsing: no server needed."""

import pytest

from exporters.collectors.mysql import one_line
from exporters.collectors.mysql_options import DEFAULT_PORT, MysqlOptions
from exporters.collectors.mysql_queries import (
    Flavour,
    Result,
    build_replication,
    column_name,
    parse_value,
    replication_statement,
)
from exporters.config import parse_settings
from exporters.multitarget.address import split_host_port
from exporters.multitarget.settings import default_modules
from exporters.names import mysql as names
from exporters.probes.options import TLSConfig
from exporters.secrets import SecretRef
from tests.probe_helpers import option_problems


def test_every_bad_option_is_reported_with_its_path() -> None:
    problems = option_problems("mysql", {
        "user": 42,
        "password": "hunter2",
        "unix_socket": "relative/mysqld.sock",
        "tls": {"ca_file": "", "cert_file": "/c.pem", "insecure_skip_verify": "yes", "sni": "x"},
        "port": 3306,
    })
    expected = [
        "modules.db.mysql.user: must be a user name or a reference {env: NAME} or {file: PATH}, "
        "got 42",
        "modules.db.mysql.password: must be a reference {env: NAME} or {file: PATH}, not a "
        "literal secret",
        "modules.db.mysql.unix_socket: must be an absolute path, got 'relative/mysqld.sock'",
        "modules.db.mysql.tls.ca_file: must be a non-empty string, got ''",
        "modules.db.mysql.tls: cert_file and key_file go together",
        "modules.db.mysql.tls.insecure_skip_verify: must be true or false, got 'yes'",
        "modules.db.mysql.tls.sni: unknown field",
        "modules.db.mysql.port: unknown field",
    ]
    assert sorted(problems) == sorted(expected)
    assert "hunter2" not in "\n".join(problems)


def test_empty_user_and_secret_without_a_source_are_refused() -> None:
    assert option_problems("mysql", {"user": "", "password": {"env": "A", "file": "/b"}}) == [
        "modules.db.mysql.user: must be a non-empty string, got ''",
        "modules.db.mysql.password: needs exactly one of 'env' or 'file'",
    ]


def test_valid_options_are_typed() -> None:
    settings = parse_settings({"modules": {"db": {"prober": "mysql", "mysql": {
        "user": {"env": "MYSQL_USER"}, "password": {"file": "/run/secrets/mysql"},
        "unix_socket": "/run/mysqld/mysqld.sock",
        "tls": {"ca_file": "/ca.pem", "cert_file": "/c.pem", "key_file": "/k.pem"},
    }}}})
    module = settings.modules["db"]
    assert module.options == MysqlOptions(
        user=SecretRef(env="MYSQL_USER"), password=SecretRef(file="/run/secrets/mysql"),
        unix_socket="/run/mysqld/mysqld.sock",
        tls=TLSConfig(ca_file="/ca.pem", cert_file="/c.pem", key_file="/k.pem"),
    )
    assert module.allow_unlisted_targets is False  # it sends credentials


def test_default_module_reads_credentials_from_the_environment() -> None:
    default = default_modules()["mysql"]
    assert default.options == MysqlOptions(
        user=SecretRef(env="MYSQLD_EXPORTER_USER"),
        password=SecretRef(env="MYSQLD_EXPORTER_PASSWORD"),
    )
    assert default.min_interval_seconds == 5
    assert default.allow_unlisted_targets is False


@pytest.mark.parametrize(("address", "expected"), [
    ("db.example:3307", ("db.example", 3307)),
    ("10.0.0.7", ("10.0.0.7", 3306)),
    ("[::1]:3308", ("::1", 3308)),
    ("[fd00::5]", ("fd00::5", 3306)),
])
def test_addresses(address: str, expected: tuple[str, int]) -> None:
    assert split_host_port(address, DEFAULT_PORT) == expected


@pytest.mark.parametrize("address", [
    "", ":3306", "db:port", "db:70000", "user:pw@db:3306", "db/x", "::1",
])
def test_bad_addresses_are_refused(address: str) -> None:
    with pytest.raises(ValueError, match="invalid address"):
        split_host_port(address, DEFAULT_PORT)


def test_error_lines_are_single_and_redacted() -> None:
    error = ValueError("bad\n  login for s3cret\n")
    assert one_line(error, ["s3cret"]) == "ValueError: bad login for <redacted>"


@pytest.mark.parametrize(("raw", "expected"), [
    ("42", 42.0), (b"0.5", 0.5), (7, 7.0), ("Yes", 1.0), ("ON", 1.0), ("No", 0.0),
    ("Connecting", 0.0), ("OFF", 0.0), (None, None), ("", None), ("Waiting for master", None),
])
def test_values_are_read_as_mysqld_exporter_reads_them(raw: object, expected: float | None) -> None:
    assert parse_value(raw) == expected


@pytest.mark.parametrize(("handshake", "statement"), [
    ("5.5.5-10.11.19-MariaDB-0+deb12u1", "SHOW ALL SLAVES STATUS"),
    ("11.4.2-MariaDB", "SHOW ALL SLAVES STATUS"),
    ("8.4.0", "SHOW REPLICA STATUS"),
    ("8.0.22-commercial", "SHOW REPLICA STATUS"),
    ("8.0.21", "SHOW SLAVE STATUS"),
    ("5.7.44-log", "SHOW SLAVE STATUS"),
])
def test_replication_statement_fits_the_server(handshake: str, statement: str) -> None:
    assert replication_statement(Flavour.from_handshake(handshake)) == statement


def test_mysql_8_4_replica_columns_get_the_master_names() -> None:
    assert column_name("Seconds_Behind_Source") == "seconds_behind_master"
    assert column_name("Replica_IO_Running") == "slave_io_running"
    assert column_name("Replicate_Do_DB") == "replicate_do_db"  # whole words only
    families = build_replication(Result(
        ["Source_Host", "Source_UUID", "Channel_Name", "Seconds_Behind_Source",
         "Replica_SQL_Running"],
        [("10.0.0.9", "uuid-1", "", 4, "Yes")],
    ))
    by_name = {family.name: family.samples for family in families}
    (lag,) = by_name[names.MYSQL_SLAVE_STATUS_SECONDS_BEHIND_MASTER]
    assert lag.value == 4
    assert lag.labels == {"master_host": "10.0.0.9", "master_uuid": "uuid-1",
                          "channel_name": "", "connection_name": ""}
    assert by_name[names.MYSQL_SLAVE_STATUS_SLAVE_SQL_RUNNING][0].value == 1
