"""Debian's postgres_exporter against a harness PostgreSQL, on a random port."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.harness.postgres import Postgres
from tests.harness.servers import Server, free_port, http_ok, require_binary


@contextmanager
def running_postgres_exporter(
    pg: Postgres, workdir: Path, user: str = "postgres"
) -> Iterator[str]:
    """Start postgres_exporter for pg's `postgres` database as user (pg's password); stop it."""
    port = free_port()
    dsn = (f"host=127.0.0.1 port={pg.port} user={user} password={pg.password} "
           "dbname=postgres sslmode=disable")
    server = Server(
        "postgres_exporter",
        [require_binary("prometheus-postgres-exporter"), f"--web.listen-address=127.0.0.1:{port}"],
        workdir, env={"DATA_SOURCE_NAME": dsn},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        server.wait_ready(http_ok(f"{url}/metrics"))
        yield url
    finally:
        server.stop()
