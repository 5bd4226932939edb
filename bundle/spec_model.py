"""The bundle spec's typed form: what perfsight.yaml can say, with its defaults."""

from collections.abc import Mapping
from dataclasses import dataclass, field

from bundle.conventions import PRESETS as CONVENTIONS
from bundle.conventions import SERVER_ERRORS

EXPORTERS = ("host", "postgres", "mysql", "redis", "memcached", "probe")
DEPENDENCY_KINDS = ("postgres", "mysql", "redis", "memcached")
SLI_KINDS = ("ratio", "latency", "probe")
PRESETS = ("otel", "classic")
CAPACITY_RESOURCES = ("disk", "inodes", "memory", "fds", "db_connections", "redis_memory")
DEFAULT_HORIZONS = {
    "disk": 7 * 86400, "inodes": 7 * 86400, "memory": 86400, "fds": 86400,
    "db_connections": 3 * 86400, "redis_memory": 3 * 86400,
}
MIN_PERIOD, MAX_PERIOD = 7 * 86400, 90 * 86400
DEFAULT_PERIOD = 30 * 86400
# the fast-burn page: this share of the period's error budget spent within its long window
FAST_BURN_BUDGET_SHARE = 0.02
FAST_BURN_WINDOW = 3600


@dataclass(frozen=True)
class RatioSli:
    """Bad and total events from two counter selectors."""

    bad: str
    total: str
    preset: str | None = None  # the convention whose request counter this is
    selector: str = ""


@dataclass(frozen=True)
class LatencySli:
    """Requests slower than a threshold, from histogram buckets."""

    histogram: str
    selector: str
    threshold_seconds: float
    preset: str | None = None  # the convention whose histogram this is


@dataclass(frozen=True)
class ProbeSli:
    """Failed probes (``probe_success == 0``) among all probes."""

    selector: str


Sli = RatioSli | LatencySli | ProbeSli


@dataclass(frozen=True)
class Slo:
    """One service level objective."""

    service: str
    name: str
    objective_percent: float
    period_seconds: int
    sli: Sli
    min_events: int

    @property
    def error_budget(self) -> float:
        """Return the fraction of events allowed to be bad."""
        return round(1 - self.objective_percent / 100, 12)


@dataclass(frozen=True)
class Dependency:
    """A database or cache that services depend on, identified by its exporter's instance."""

    name: str
    kind: str
    instance: str


@dataclass(frozen=True)
class Service:
    """A service and the dependencies whose outage explains its SLO burn."""

    name: str
    depends_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class AlertOverride:
    """Per-alert changes: off switch, threshold, ``for``, severity, extra labels."""

    enabled: bool = True
    threshold: float | None = None
    for_: str | None = None
    severity: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Links:
    """Where alerts point: Grafana (``{base}/d/{uid}``) and the runbooks."""

    dashboard_base_url: str = "http://grafana.example.com"
    runbook_base_url: str = "https://github.com/perfsight/perfsight/blob/main/runbooks"


@dataclass(frozen=True)
class Capacity:
    """Forecast lookback and, per finite resource, how far ahead exhaustion is alerted."""

    lookback_seconds: int = 6 * 3600
    horizons: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_HORIZONS))


@dataclass(frozen=True)
class Costs:
    """Hourly cost rates: per host, per CPU core, per GiB of memory, and fixed per service."""

    currency: str = "USD"
    instance_hourly: float = 0.0
    cpu_core_hourly: float = 0.0
    memory_gib_hourly: float = 0.0
    services: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Anomaly:
    """Z-score band width and the traffic below which anomalies are not alerted."""

    z_threshold: float = 3.0
    min_events_per_second: float = 1.0


@dataclass(frozen=True)
class Receivers:
    """Webhook URLs of the example Alertmanager config's page and ticket receivers."""

    page_url: str = "http://pager.example.com/hook"
    ticket_url: str = "http://tickets.example.com/hook"


@dataclass(frozen=True)
class Spec:
    """The whole bundle spec."""

    selectors: Mapping[str, str]
    links: Links = field(default_factory=Links)
    services: tuple[Service, ...] = ()
    dependencies: tuple[Dependency, ...] = ()
    slos: tuple[Slo, ...] = ()
    alerts: Mapping[str, AlertOverride] = field(default_factory=dict)
    capacity: Capacity = field(default_factory=Capacity)
    costs: Costs = field(default_factory=Costs)
    anomaly: Anomaly = field(default_factory=Anomaly)
    receivers: Receivers = field(default_factory=Receivers)

    def override(self, alert: str) -> AlertOverride:
        """Return the override of one alert (defaults when the spec has none)."""
        return self.alerts.get(alert, AlertOverride())


def preset_ratio(preset: str, selector: str) -> RatioSli:
    """Return the 5xx/all request selectors of a preset."""
    convention = CONVENTIONS[preset]
    prefix = f"{selector}," if selector else ""
    return RatioSli(bad=f'{convention.requests}{{{prefix}{convention.status}=~"{SERVER_ERRORS}"}}',
                    total=f"{convention.requests}{{{selector}}}", preset=preset,
                    selector=selector)
