"""Debian's mysqld_exporter against a harness MariaDB, on a random port."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.harness.listening import serving
from tests.harness.mariadb import MONITOR_USER, MariaDB
from tests.harness.servers import require_binary


@contextmanager
def running_mysqld_exporter(db: MariaDB, workdir: Path) -> Iterator[str]:
    """Start mysqld_exporter as the monitoring user (a my.cnf file); yield its base URL."""
    my_cnf = workdir / f"my-{db.port}.cnf"
    my_cnf.write_text(
        f"[client]\nuser={MONITOR_USER}\npassword={db.monitor_password}\n"
        f"host=127.0.0.1\nport={db.port}\n"
    )
    my_cnf.chmod(0o600)
    binary = require_binary("prometheus-mysqld-exporter")
    with serving("mysqld_exporter", lambda port: [
        binary, f"--config.my-cnf={my_cnf}", f"--web.listen-address=127.0.0.1:{port}",
    ], workdir) as url:
        yield url
