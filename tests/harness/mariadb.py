"""A real MariaDB (Debian package) in a temp dir, on 127.0.0.1 and a random port.

`mariadb-install-db` runs once per test process and each server starts from a copy of its data
directory, with password-less root on the unix socket in the server's temp dir, which the
harness uses for setup; `--no-defaults` keeps /etc/mysql out of it.
Each server logs binary logs (so it can be a replication source) and creates a monitoring user
with a random password and the grants mysqld_exporter documents (plus SLAVE MONITOR, which
MariaDB 10.5+ needs for SHOW SLAVE STATUS). `stop()` shuts down cleanly, `kill()` crashes,
`freeze()`/`thaw()` make it hang and come back (SIGSTOP/SIGCONT).
"""

import atexit
import functools
import secrets
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pymysql

from tests.harness.servers import (
    Server,
    free_port,
    freeze,
    require_binary,
    running_in_tempdir,
)

MONITOR_USER = "perfsight"
MONITOR_GRANTS = "PROCESS, REPLICATION CLIENT, SLAVE MONITOR, SELECT"
REPLICATION_USER = "repl"
MAX_CONNECTIONS = 60


@functools.cache
def _installed_datadir() -> Path:
    """Run mariadb-install-db once per test process; servers start from copies of its result."""
    template = Path(tempfile.mkdtemp(prefix="perfsight-mariadb-template-"))
    atexit.register(shutil.rmtree, template, ignore_errors=True)
    datadir = template / "data"
    subprocess.run(
        [require_binary("mariadb-install-db"), "--no-defaults", f"--datadir={datadir}",
         "--auth-root-authentication-method=normal", "--user=root", "--skip-test-db"],
        check=True, capture_output=True, cwd=template,
    )
    return datadir


class MariaDB:
    """One MariaDB server: installed once, started, stopped, crashed, frozen and restarted."""

    def __init__(self, workdir: Path, server_id: int, flags: Sequence[str] = ()) -> None:
        self.workdir = workdir
        self.datadir = workdir / "data"
        self.socket = workdir / "mysqld.sock"
        self.port = free_port()
        self.server_id = server_id
        self.flags = list(flags)
        self.monitor_password = secrets.token_urlsafe(16)
        self.replication_password = secrets.token_urlsafe(16)
        self._server: Server | None = None
        shutil.copytree(_installed_datadir(), self.datadir, symlinks=True)

    @property
    def address(self) -> str:
        """Return the `host:port` a prober is given."""
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start the server and wait until root can connect over the socket."""
        argv = [
            require_binary("mariadbd"), "--no-defaults", f"--datadir={self.datadir}",
            f"--socket={self.socket}", f"--port={self.port}", "--bind-address=127.0.0.1",
            "--user=root", f"--pid-file={self.workdir / 'mysqld.pid'}", "--skip-name-resolve",
            f"--server-id={self.server_id}", f"--log-bin={self.workdir / 'binlog'}",
            f"--max-connections={MAX_CONNECTIONS}", "--innodb-buffer-pool-size=16M",
            "--innodb-buffer-pool-load-at-startup=OFF", "--innodb-buffer-pool-dump-at-shutdown=OFF",
            "--innodb-flush-log-at-trx-commit=2", *self.flags,
        ]
        self._server = Server(f"mariadb-{self.port}", argv, self.workdir)
        self._server.wait_ready(self._accepts)

    def _accepts(self) -> bool:
        try:
            self.connect().close()
            return True
        except pymysql.Error:
            return False

    def connect(self, database: str | None = None) -> "pymysql.connections.Connection[Any]":
        """Return an autocommit root connection over the unix socket."""
        return pymysql.connect(
            unix_socket=str(self.socket), user="root", database=database, autocommit=True,
            connect_timeout=2,
        )

    def execute(self, *statements: str) -> list[tuple[Any, ...]]:
        """Run statements as root; return the last one's rows."""
        connection = self.connect()
        try:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
                return list(cursor.fetchall())
        finally:
            connection.close()

    def create_monitor_user(self) -> None:
        """Create the monitoring user (any host) with its password and grants."""
        self.execute(
            f"CREATE USER '{MONITOR_USER}'@'%' IDENTIFIED BY '{self.monitor_password}'",
            f"GRANT {MONITOR_GRANTS} ON *.* TO '{MONITOR_USER}'@'%'",
        )

    def replicate_from(self, source: "MariaDB", delay_seconds: int = 0) -> None:
        """Stream from source's current GTID position (earlier events are not replayed)."""
        source.execute(
            f"CREATE USER IF NOT EXISTS '{REPLICATION_USER}'@'%' "
            f"IDENTIFIED BY '{source.replication_password}'",
            f"GRANT REPLICATION SLAVE ON *.* TO '{REPLICATION_USER}'@'%'",
        )
        ((position,),) = source.execute("SELECT @@gtid_binlog_pos")
        self.execute(
            f"SET GLOBAL gtid_slave_pos = '{position}'",
            f"CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT={source.port}, "
            f"MASTER_USER='{REPLICATION_USER}', MASTER_PASSWORD='{source.replication_password}', "
            f"MASTER_USE_GTID=slave_pos, MASTER_DELAY={delay_seconds}, MASTER_CONNECT_RETRY=1",
            "START SLAVE",
        )

    def stop(self) -> None:
        """Shut down cleanly (SIGTERM), waiting for the process to exit."""
        if self._server is not None:
            self.thaw()
            self._server.stop()
            self._server = None

    def kill(self) -> None:
        """Crash the server (SIGKILL): no shutdown, crash recovery at the next start."""
        if self._server is not None:
            self._server.process.kill()
            self._server.process.wait()
            self._server.stop()
            self._server = None

    def freeze(self) -> None:
        """Stop the process (SIGSTOP): connections stay open, nothing answers."""
        if self._server is not None:
            freeze(self._server.process)

    def thaw(self) -> None:
        """Let a frozen process run again (SIGCONT)."""
        if self._server is not None:
            self._server.process.send_signal(signal.SIGCONT)

    def log(self) -> str:
        """Return what the server printed so far (all runs)."""
        return "".join(path.read_text(errors="replace") for path in self.workdir.glob("*.log"))


@contextmanager
def running_mariadb(*, server_id: int = 1, flags: Sequence[str] = ()) -> Iterator[MariaDB]:
    """Install and start a server in a temp dir, with the monitoring user; always remove it."""
    with running_in_tempdir(
        "perfsight-mariadb-", lambda workdir: MariaDB(workdir, server_id, flags)
    ) as server:
        server.create_monitor_user()
        yield server
