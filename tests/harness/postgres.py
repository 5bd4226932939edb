"""A real PostgreSQL 15 (Debian package) in a temp dir, run as user `postgres` via runuser.

Password (scram) authentication over TCP on 127.0.0.1 and a random port; trust over the unix
socket in the temp dir, which the harness uses for setup. `pg_ctl stop` ends it: `-m fast` for a
clean stop, `-m immediate` for a crash.
"""

import os
import pwd
import secrets
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from tests.harness.servers import Server, free_port, running_in_tempdir

PG_BIN = Path("/usr/lib/postgresql/15/bin")
SUPERUSER = "postgres"
OS_USER = "postgres"


def _as_postgres(*argv: str) -> list[str]:
    return ["runuser", "-u", OS_USER, "--", *argv]


class Postgres:
    """One PostgreSQL cluster: initialised once, started, stopped, crashed and restarted."""

    def __init__(
        self, workdir: Path, *, preload_statements: bool, primary: "Postgres | None" = None
    ) -> None:
        self.workdir = workdir
        self.datadir = workdir / "data"
        self.socket_dir = workdir
        self.port = free_port()
        self.preload_statements = preload_statements
        self._server: Server | None = None
        if primary is None:
            self.password = secrets.token_urlsafe(16)
            self._initdb()
        else:
            self.password = primary.password
            self._clone(primary)

    @property
    def address(self) -> str:
        """Return the `host:port` a prober is given."""
        return f"127.0.0.1:{self.port}"

    def _initdb(self) -> None:
        pwfile = self.workdir / "pwfile"
        pwfile.write_text(self.password)
        account = pwd.getpwnam(OS_USER)
        os.chown(pwfile, account.pw_uid, account.pw_gid)
        pwfile.chmod(0o600)
        subprocess.run(
            _as_postgres(
                str(PG_BIN / "initdb"), "-D", str(self.datadir), "-U", SUPERUSER,
                "--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={pwfile}",
                "--encoding=UTF8", "--no-sync",
            ),
            check=True, capture_output=True, cwd=self.workdir,
        )
        pwfile.unlink()

    def _clone(self, primary: "Postgres") -> None:
        """Copy a running primary with pg_basebackup; -R makes the copy stream from it."""
        subprocess.run(
            _as_postgres(
                str(PG_BIN / "pg_basebackup"), "-h", str(primary.socket_dir),
                "-p", str(primary.port), "-U", SUPERUSER, "-D", str(self.datadir), "-R",
                "-X", "stream", "--checkpoint=fast", "--no-sync",
            ),
            check=True, capture_output=True, cwd=self.workdir,
        )

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        settings = [
            "listen_addresses=127.0.0.1", f"port={self.port}",
            f"unix_socket_directories={self.socket_dir}", "fsync=off",
            "full_page_writes=off", "max_connections=50",
        ]
        if self.preload_statements:
            settings.append("shared_preload_libraries=pg_stat_statements")
        argv = [str(PG_BIN / "postgres"), "-D", str(self.datadir)]
        for setting in settings:
            argv += ["-c", setting]
        self._server = Server(f"postgres-{self.port}", _as_postgres(*argv), self.workdir)
        self._server.wait_ready(self._accepts)

    def _accepts(self) -> bool:
        try:
            with self.connect():
                return True
        except psycopg.OperationalError:
            return False

    def connect(self, dbname: str = "postgres") -> psycopg.Connection[tuple[object, ...]]:
        """Return an autocommit superuser connection over the unix socket (trust)."""
        return psycopg.connect(
            host=str(self.socket_dir), port=self.port, user=SUPERUSER, dbname=dbname,
            autocommit=True, connect_timeout=2,
        )

    def execute(self, sql: str, dbname: str = "postgres") -> None:
        """Run one statement as the superuser."""
        with self.connect(dbname) as connection:
            connection.execute(sql.encode())

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (`immediate` is a crash: no checkpoint, recovery at next start)."""
        if self._server is None:
            return
        subprocess.run(
            _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.datadir), "stop", "-m", mode,
                         "-w", "-t", "20"),
            check=False, capture_output=True, cwd=self.workdir,
        )
        self._server.stop()
        self._server = None

    def log(self) -> str:
        """Return what the server printed so far (all runs)."""
        return "".join(path.read_text(errors="replace") for path in self.workdir.glob("*.log"))


@contextmanager
def running_postgres(
    *, preload_statements: bool = False, standby_of: Postgres | None = None
) -> Iterator[Postgres]:
    """Start a new cluster (or a streaming standby of one) in a temp dir; always remove it."""
    def make(workdir: Path) -> Postgres:
        account = pwd.getpwnam(OS_USER)
        os.chown(workdir, account.pw_uid, account.pw_gid)
        return Postgres(workdir, preload_statements=preload_statements, primary=standby_of)

    with running_in_tempdir("perfsight-pg-", make) as server:
        yield server
