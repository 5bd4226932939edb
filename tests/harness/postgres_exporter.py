"""Debian's postgres_exporter against a harness PostgreSQL, on a random port."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.harness.listening import serving
from tests.harness.postgres import Postgres
from tests.harness.servers import require_binary


@contextmanager
def running_postgres_exporter(
    pg: Postgres, workdir: Path, user: str = "postgres"
) -> Iterator[str]:
    """Start postgres_exporter for pg's `postgres` database as user (pg's password); stop it."""
    dsn = (f"host=127.0.0.1 port={pg.port} user={user} password={pg.password} "
           "dbname=postgres sslmode=disable")
    binary = require_binary("prometheus-postgres-exporter")
    with serving("postgres_exporter", lambda port: [
        binary, f"--web.listen-address=127.0.0.1:{port}",
    ], workdir, env={"DATA_SOURCE_NAME": dsn}) as url:
        yield url
