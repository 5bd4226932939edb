"""The postgres prober's options and addresses: every problem reported with its full path."""

import pytest

from exporters.collectors.postgres_options import PostgresOptions, parse_address
from exporters.collectors.postgres_queries import add, legacy_counter, short_version
from exporters.config import parse_settings
from exporters.exposition import render_text
from exporters.multitarget.settings import default_modules
from exporters.names import postgres as names
from exporters.secrets import SecretRef
from tests.probe_helpers import option_problems


def test_every_bad_option_is_reported_with_its_path() -> None:
    problems = option_problems("postgres", {
        "user": 42,
        "password": "hunter2",
        "database": "",
        "sslmode": "sometimes",
        "statements_top_n": 0,
        "statements_max_series": 2,
        "port": 5432,
    })
    expected = [
        "modules.db.postgres.user: must be a mapping",
        "modules.db.postgres.password: must be a reference {env: NAME} or {file: PATH}",
        "modules.db.postgres.database: must be a non-empty string",
        "modules.db.postgres.sslmode: must be one of disable, allow, prefer, require",
        "modules.db.postgres.statements_top_n: must be a positive integer, got 0",
        "modules.db.postgres.statements_max_series: must be at least 4",
        "modules.db.postgres.port: unknown field",
    ]
    for start in expected:
        assert any(problem.startswith(start) for problem in problems), (start, problems)
    assert "hunter2" not in "\n".join(problems)


def test_secret_reference_needs_exactly_one_source() -> None:
    problems = option_problems("postgres", {"password": {"env": "A", "file": "/b"}})
    assert problems == ["modules.db.postgres.password: needs exactly one of 'env' or 'file'"]


def test_valid_options_are_typed() -> None:
    settings = parse_settings({"modules": {"db": {"prober": "postgres", "postgres": {
        "user": {"env": "PGUSER"}, "password": {"file": "/run/secrets/pg"},
        "database": "app", "sslmode": "require", "statements_top_n": 50,
        "statements_max_series": 100,
    }}}})
    options = settings.modules["db"].options
    assert options == PostgresOptions(
        user=SecretRef(env="PGUSER"), password=SecretRef(file="/run/secrets/pg"),
        database="app", sslmode="require", statements_top_n=50, statements_max_series=100,
    )
    assert options.statements_limit == 25  # the series cap wins over the top N
    assert settings.modules["db"].allow_unlisted_targets is False  # it sends credentials


def test_default_module_uses_libpq_defaults_and_caches_five_seconds() -> None:
    default = default_modules()["postgres"]
    assert default.options == PostgresOptions()
    assert default.min_interval_seconds == 5
    assert default.allow_unlisted_targets is False


@pytest.mark.parametrize(("address", "expected"), [
    ("db.example:6432", ("db.example", 6432)),
    ("10.0.0.7", ("10.0.0.7", 5432)),
    ("[::1]:5433", ("::1", 5433)),
    ("::1", ("::1", 5432)),
    ("/var/run/postgresql", ("/var/run/postgresql", 5432)),
    ("/tmp/pg:5433", ("/tmp/pg", 5433)),
])
def test_addresses(address: str, expected: tuple[str, int]) -> None:
    assert parse_address(address) == expected


@pytest.mark.parametrize("address", ["db:notaport", "db:0", "db:70000", ":5432", "[::1]x"])
def test_bad_addresses_are_refused(address: str) -> None:
    with pytest.raises(ValueError, match="address"):
        parse_address(address)


def test_counter_without_total_is_typed_under_its_own_name() -> None:
    family = legacy_counter(names.PG_STAT_DATABASE_XACT_COMMIT, "commits")
    add(family, {names.LABEL_DATNAME: "app"}, 3)
    assert render_text([family]).decode() == (
        "# HELP pg_stat_database_xact_commit commits\n"
        "# TYPE pg_stat_database_xact_commit counter\n"
        'pg_stat_database_xact_commit{datname="app"} 3.0\n'
    )


@pytest.mark.parametrize(("number", "short"), [(150018, "15.18.0"), (90624, "9.6.24")])
def test_short_version_as_postgres_exporter_writes_it(number: int, short: str) -> None:
    assert short_version(number) == short
