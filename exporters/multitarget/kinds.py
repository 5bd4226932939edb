"""The one prober table: every kind `/probe` modules can use, one row each."""

from exporters.collectors.memcached import MEMCACHED
from exporters.collectors.mysql import MYSQL
from exporters.collectors.postgres import POSTGRES
from exporters.collectors.redis import REDIS
from exporters.multitarget.base import ProberKind
from exporters.probes.browser import BROWSER
from exporters.probes.dns import DNS
from exporters.probes.http import HTTP
from exporters.probes.tcp import TCP

KINDS: tuple[ProberKind, ...] = (
    POSTGRES,
    REDIS,
    MEMCACHED,
    MYSQL,
    HTTP,
    TCP,
    DNS,
    BROWSER,
)
KINDS_BY_NAME = {kind.name: kind for kind in KINDS}
