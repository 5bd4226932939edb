"""The one prober table: every kind `/probe` modules can use, one row each."""

from exporters.collectors.memcached import MEMCACHED
from exporters.collectors.mysql import MYSQL
from exporters.collectors.postgres import POSTGRES
from exporters.collectors.redis import REDIS
from exporters.multitarget.base import ProberKind

KINDS: tuple[ProberKind, ...] = (
    POSTGRES,
    REDIS,
    MEMCACHED,
    MYSQL,
)
KINDS_BY_NAME = {kind.name: kind for kind in KINDS}
