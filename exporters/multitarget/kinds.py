"""The one prober table: every kind `/probe` modules can use, one row each.

A row needs only its kind's options module; the prober itself, and the client library it
drives (psycopg, PyMySQL, redis-py, pymemcache, pycurl, dnspython, Playwright), is imported
when a module of that kind is first built, so an exporter that probes nothing loads none.
"""

from functools import partial

from exporters.collectors import memcached_options, mysql_options, postgres_options, redis_options
from exporters.multitarget.address import split_host_port
from exporters.multitarget.base import ProberKind, Score, always, built_by, never
from exporters.names import browser as browser_names
from exporters.names import memcached as memcached_names
from exporters.names import mysql as mysql_names
from exporters.names import postgres as postgres_names
from exporters.names import probe as probe_names
from exporters.names import redis as redis_names
from exporters.probes import guard
from exporters.probes.browser_options import LAYOUT_SHIFT_BUCKETS, parse_browser_options
from exporters.probes.dns_options import parse_dns_options
from exporters.probes.http_options import parse_http_options, sends_credentials, sends_headers
from exporters.probes.options import sends_client_certificate
from exporters.probes.tcp_options import parse_tcp_options

POSTGRES = ProberKind(
    name="postgres",
    help="PostgreSQL server statistics, named as postgres_exporter's",
    up_metric=postgres_names.PG_UP,
    parse_options=postgres_options.parse_options,
    build=built_by("exporters.collectors.postgres", "PostgresProber"),
    sends_credentials=always,
    default_min_interval_seconds=5.0,
    # user and password unset: libpq's own defaults apply (PGUSER, PGPASSWORD, ~/.pgpass,
    # peer authentication on a unix socket)
    default_modules={"postgres": {}},
)
MYSQL = ProberKind(
    name="mysql",
    help="MySQL and MariaDB server statistics, named as mysqld_exporter's",
    up_metric=mysql_names.MYSQL_UP,
    parse_options=mysql_options.parse_options,
    build=built_by("exporters.collectors.mysql", "MysqlProber"),
    sends_credentials=always,
    default_min_interval_seconds=5.0,
    # the environment variables mysqld_exporter's own documentation uses for the password
    default_modules={"mysql": {
        "user": {"env": "MYSQLD_EXPORTER_USER"},
        "password": {"env": "MYSQLD_EXPORTER_PASSWORD"},
    }},
)
REDIS = ProberKind(
    name="redis",
    help="Redis server statistics, named as redis_exporter's",
    up_metric=redis_names.REDIS_UP,
    parse_options=redis_options.parse_options,
    build=built_by("exporters.collectors.redis", "RedisProber"),
    # a module with a password (or ACL user) only probes listed targets: unlisted ones would
    # receive it; one without (the embedded `redis`) probes any address, as redis_exporter does
    endpoint=partial(split_host_port, default_port=redis_options.DEFAULT_PORT),
    sends_credentials=redis_options.logs_in,
    default_min_interval_seconds=5.0,
    default_modules={"redis": {}},
)
MEMCACHED = ProberKind(
    name="memcached",
    help="memcached statistics, named as memcached_exporter's",
    up_metric=memcached_names.MEMCACHED_UP,
    parse_options=memcached_options.parse_options,
    build=built_by("exporters.collectors.memcached", "MemcachedProber"),
    # no credentials to leak: any address may be probed unless the guard refuses it
    endpoint=partial(split_host_port, default_port=memcached_options.DEFAULT_PORT),
    sends_credentials=never,
    default_min_interval_seconds=5.0,
    default_modules={"memcached": {}},
)
HTTP = ProberKind(
    name="http",
    help="HTTP(S) request timed per phase, named as blackbox_exporter's http prober",
    up_metric=probe_names.PROBE_SUCCESS,
    parse_options=parse_http_options,
    build=built_by("exporters.probes.http", "HTTPProber"),
    sends_credentials=sends_credentials,
    endpoint=guard.url_endpoint,
    default_min_interval_seconds=0.0,
    default_modules={"http_2xx": {}, "http_post_2xx": {"method": "POST"}},
)
TCP = ProberKind(
    name="tcp",
    help="TCP connect, optional TLS and send/expect, named as blackbox_exporter's tcp prober",
    up_metric=probe_names.PROBE_SUCCESS,
    parse_options=parse_tcp_options,
    build=built_by("exporters.probes.tcp", "TCPProber"),
    sends_credentials=sends_client_certificate,
    endpoint=guard.tcp_endpoint,
    default_min_interval_seconds=0.0,
    default_modules={"tcp_connect": {}, "tls_connect": {"tls": True}},
)
DNS = ProberKind(
    name="dns",
    help="One DNS query timed per phase, named as blackbox_exporter's dns prober",
    up_metric=probe_names.PROBE_SUCCESS,
    parse_options=parse_dns_options,
    build=built_by("exporters.probes.dns", "DNSProber"),
    sends_credentials=never,
    endpoint=guard.dns_endpoint,
    default_min_interval_seconds=0.0,
    default_modules={
        "dns_udp": {"query_name": "example.com"},
        "dns_tcp": {"query_name": "example.com", "transport": "tcp"},
    },
)
BROWSER = ProberKind(
    name=browser_names.PROBER_BROWSER,
    help="A real headless Chromium loads the page: navigation, paint and layout timings",
    up_metric=probe_names.PROBE_SUCCESS,
    parse_options=parse_browser_options,
    build=built_by("exporters.probes.browser", "BrowserProber"),
    sends_credentials=sends_headers,
    endpoint=guard.url_endpoint,
    default_modules={"browser": {}},
    timing_phases=browser_names.BROWSER_TIMING_PHASES,
    scores={browser_names.PROBE_BROWSER_CUMULATIVE_LAYOUT_SHIFT: Score(
        browser_names.PERFSIGHT_PROBE_BROWSER_CUMULATIVE_LAYOUT_SHIFT,
        "Layout shift scores of a target's scheduled page loads.",
        LAYOUT_SHIFT_BUCKETS,
    )},
)

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
