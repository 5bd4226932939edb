"""Validation of perfsight.yaml's sections: every problem recorded with its path."""

import re
from collections.abc import Mapping
from typing import Any

import promql_parser

from bundle import names
from bundle.conventions import PRESETS as CONVENTIONS
from bundle.durations import format_duration, parse_duration
from bundle.spec_model import (
    CAPACITY_RESOURCES,
    DEFAULT_HORIZONS,
    DEFAULT_PERIOD,
    DEPENDENCY_KINDS,
    EXPORTERS,
    FAST_BURN_BUDGET_SHARE,
    FAST_BURN_WINDOW,
    MAX_PERIOD,
    MIN_PERIOD,
    PRESETS,
    SLI_KINDS,
    AlertOverride,
    Anomaly,
    Capacity,
    Costs,
    Dependency,
    LatencySli,
    Links,
    ProbeSli,
    RatioSli,
    Receivers,
    Service,
    Sli,
    Slo,
    preset_ratio,
)
from exporters.validation import Validator


class SpecValidator(Validator):
    """The shared Validator plus the spec's own field kinds and sections."""

    def string(self, value: Any, path: str, default: str = "") -> str:
        """Return a non-empty string, or the default after recording why not."""
        if value is None and default:
            return default
        if not isinstance(value, str) or not value.strip():
            self.problems.append(f"{path}: must be a non-empty string")
            return default
        return value

    def choice(self, value: Any, path: str, options: tuple[str, ...]) -> str:
        """Return one of options, or the first after recording the allowed ones."""
        if value not in options:
            self.problems.append(f"{path}: must be one of {', '.join(options)}, got {value!r}")
            return options[0]
        return str(value)

    def duration(self, value: Any, path: str, default: int, low: int = 1, high: int = 0) -> int:
        """Return a Prometheus duration in seconds within [low, high], or the default."""
        if value is None:
            return default
        seconds = parse_duration(value) if isinstance(value, str) else None
        if seconds is None:
            self.problems.append(f"{path}: must be a duration like 30d or 1h30m, got {value!r}")
            return default
        if seconds < low or (high and seconds > high):
            bound = f"between {_days(low)} and {_days(high)}" if high else f"at least {_days(low)}"
            self.problems.append(f"{path}: must be {bound}")
            return default
        return seconds

    def matchers(self, value: Any, path: str) -> str:
        """Return PromQL label matchers such as ``job="api"`` (without braces)."""
        text = self.string(value, path)
        if text and not self._parses(f"{{{text}}}", path, "label matchers like job=\"api\""):
            return ""
        return text

    def series(self, value: Any, path: str) -> str:
        """Return a PromQL series selector such as ``http_requests_total{code=~"5.."}``."""
        text = self.string(value, path)
        if text and not self._parses(text, path, "a series selector like name{label=\"v\"}"):
            return ""
        return text

    def _parses(self, text: str, path: str, wanted: str) -> bool:
        try:
            parsed = promql_parser.parse(text)
        except ValueError as error:
            self.problems.append(f"{path}: not valid PromQL ({error}); want {wanted}")
            return False
        if not isinstance(parsed, promql_parser.VectorSelector):
            self.problems.append(f"{path}: must be {wanted}")
            return False
        return True

    def selectors(self, value: Any) -> dict[str, str]:
        """Return the label matchers of every exporter (``job="<exporter>"`` by default)."""
        section = self.mapping(value, "selectors", set(EXPORTERS))
        return {
            exporter: self.matchers(section[exporter], f"selectors.{exporter}")
            if exporter in section else f'{names.LABEL_JOB}="{exporter}"'
            for exporter in EXPORTERS
        }

    def links(self, value: Any) -> Links:
        """Return the dashboard and runbook base URLs."""
        section = self.mapping(value, "links", {"dashboard_base_url", "runbook_base_url"})
        default = Links()
        return Links(
            dashboard_base_url=self.url(section.get("dashboard_base_url"),
                                        "links.dashboard_base_url", default.dashboard_base_url),
            runbook_base_url=self.url(section.get("runbook_base_url"),
                                      "links.runbook_base_url", default.runbook_base_url),
        )

    def url(self, value: Any, path: str, default: str) -> str:
        """Return an http(s) URL without a trailing slash."""
        text = self.string(value, path, default)
        if not text.startswith(("http://", "https://")):
            self.problems.append(f"{path}: must start with http:// or https://, got {text!r}")
            return default
        return text.rstrip("/")

    def dependencies(self, value: Any) -> tuple[Dependency, ...]:
        """Return the declared databases and caches."""
        found: list[Dependency] = []
        for index, item in enumerate(self.sequence(value, "dependencies")):
            path = f"dependencies[{index}]"
            entry = self.mapping(item, path, {"name", "kind", "instance"})
            name = self.string(entry.get("name"), f"{path}.name")
            if name in {d.name for d in found}:
                self.problems.append(f"{path}.name: {name!r} is declared twice")
            found.append(Dependency(
                name=name,
                kind=self.choice(entry.get("kind"), f"{path}.kind", DEPENDENCY_KINDS),
                instance=self.string(entry.get("instance"), f"{path}.instance"),
            ))
        return tuple(found)

    def services(self, value: Any, dependencies: set[str]) -> tuple[Service, ...]:
        """Return the services and what they depend on."""
        found: list[Service] = []
        for index, item in enumerate(self.sequence(value, "services")):
            path = f"services[{index}]"
            entry = self.mapping(item, path, {"name", "depends_on"})
            name = self.string(entry.get("name"), f"{path}.name")
            if name in {s.name for s in found}:
                self.problems.append(f"{path}.name: {name!r} is declared twice")
            depends_on = []
            for position, dependency in enumerate(
                self.sequence(entry.get("depends_on"), f"{path}.depends_on")
            ):
                if dependency not in dependencies:
                    self.problems.append(
                        f"{path}.depends_on[{position}]: {dependency!r} is not in dependencies"
                    )
                else:
                    depends_on.append(str(dependency))
            found.append(Service(name=name, depends_on=tuple(depends_on)))
        return tuple(found)

    def slos(self, value: Any, services: set[str]) -> tuple[Slo, ...]:
        """Return the SLOs."""
        found: list[Slo] = []
        seen: set[tuple[str, str]] = set()
        for index, item in enumerate(self.sequence(value, "slos")):
            path = f"slos[{index}]"
            entry = self.mapping(
                item, path, {"service", "name", "objective", "period", "min_events", "sli"}
            )
            service = self.string(entry.get("service"), f"{path}.service")
            if service and service not in services:
                self.problems.append(f"{path}.service: {service!r} is not in services")
            name = self.string(entry.get("name"), f"{path}.name")
            if (service, name) in seen:
                self.problems.append(f"{path}.name: {name!r} is declared twice for {service!r}")
            seen.add((service, name))
            slo = Slo(
                service=service,
                name=name,
                objective_percent=self.objective(entry.get("objective"), f"{path}.objective"),
                period_seconds=self.duration(entry.get("period"), f"{path}.period",
                                             DEFAULT_PERIOD, MIN_PERIOD, MAX_PERIOD),
                sli=self.sli(entry.get("sli"), f"{path}.sli"),
                min_events=self.count(entry.get("min_events"), f"{path}.min_events", 100),
            )
            self.reachable_page(slo, f"{path}.objective")
            found.append(slo)
        return tuple(found)

    def reachable_page(self, slo: Slo, path: str) -> None:
        """Record a problem when the fast-burn page would need an error ratio above 100%."""
        budget = 1 - slo.objective_percent / 100
        limit = FAST_BURN_BUDGET_SHARE * slo.period_seconds / FAST_BURN_WINDOW * budget
        if limit >= 1:
            lowest = 100 * (1 - FAST_BURN_WINDOW / (FAST_BURN_BUDGET_SHARE * slo.period_seconds))
            self.problems.append(
                f"{path}: {slo.objective_percent:g} leaves a budget so large that the fast-burn "
                f"page ({FAST_BURN_BUDGET_SHARE:.0%} of it in "
                f"{format_duration(FAST_BURN_WINDOW)}) could never fire; use at "
                f"least {lowest:.2f} for this period")

    def objective(self, value: Any, path: str) -> float:
        """Return an objective in percent, strictly between 0 and 100."""
        if value is None:
            self.problems.append(f"{path}: required (a percentage such as 99.9)")
            return 99.0
        return self.number(value, path, 99.0, lambda v: 0 < v < 100,
                           "must be between 0 and 100")

    def count(self, value: Any, path: str, default: int) -> int:
        """Return a whole number ≥ 0."""
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.problems.append(f"{path}: must be a whole number ≥ 0, got {value!r}")
            return default
        return value

    def sli(self, value: Any, path: str) -> Sli:
        """Return an SLI of one of the three kinds."""
        entry = self.mapping(value, path, {
            "kind", "preset", "selector", "bad", "total", "threshold_seconds", "histogram",
        })
        kind = self.choice(entry.get("kind"), f"{path}.kind", SLI_KINDS)
        allowed = {
            "ratio": {"kind", "preset", "selector", "bad", "total"},
            "latency": {"kind", "preset", "selector", "histogram", "threshold_seconds"},
            "probe": {"kind", "selector"},
        }[kind]
        for key in sorted(set(entry) - allowed):
            self.problems.append(f"{path}.{key}: not used by kind {kind}")
        if kind == "probe":
            return ProbeSli(self.matchers(entry.get("selector"), f"{path}.selector"))
        if kind == "latency":
            return self.latency(entry, path)
        return self.ratio(entry, path)

    def ratio(self, entry: Mapping[str, Any], path: str) -> RatioSli:
        """Return bad/total selectors, given either both or a preset and a selector."""
        if "preset" in entry:
            if "bad" in entry or "total" in entry:
                self.problems.append(f"{path}: give either preset and selector or bad and total")
            preset = self.choice(entry.get("preset"), f"{path}.preset", PRESETS)
            selector = self.matchers(entry.get("selector"), f"{path}.selector")
            return preset_ratio(preset, selector)
        return RatioSli(
            bad=self.series(entry.get("bad"), f"{path}.bad"),
            total=self.series(entry.get("total"), f"{path}.total"),
        )

    def latency(self, entry: Mapping[str, Any], path: str) -> LatencySli:
        """Return the histogram, its selector and the threshold."""
        if ("preset" in entry) == ("histogram" in entry):
            self.problems.append(f"{path}: give exactly one of preset or histogram")
        preset = None
        if "histogram" in entry:
            histogram = self.string(entry.get("histogram"), f"{path}.histogram")
        else:
            preset = self.choice(entry.get("preset"), f"{path}.preset", PRESETS)
            histogram = CONVENTIONS[preset].duration
        threshold = entry.get("threshold_seconds")
        if threshold is None:
            self.problems.append(f"{path}.threshold_seconds: required (a histogram bucket bound)")
        return LatencySli(
            histogram=histogram,
            selector=self.matchers(entry.get("selector"), f"{path}.selector"),
            threshold_seconds=self.number(threshold, f"{path}.threshold_seconds", 1.0,
                                          lambda v: v > 0, "must be a positive number"),
            preset=preset,
        )

    def alerts(self, value: Any) -> dict[str, AlertOverride]:
        """Return the per-alert overrides, keyed by alert name."""
        section = self.mapping(value, "alerts", set(names.ALERT_NAMES))
        overrides = {}
        for alert in sorted(set(section) & set(names.ALERT_NAMES)):
            path = f"alerts.{alert}"
            entry = self.mapping(
                section[alert], path, {"enabled", "threshold", "for", "severity", "labels"}
            )
            enabled = entry.get("enabled", True)
            if not isinstance(enabled, bool):
                self.problems.append(f"{path}.enabled: must be true or false, got {enabled!r}")
            threshold = entry.get("threshold")
            for_ = entry.get("for")
            if for_ is not None:
                self.duration(for_, f"{path}.for", 0, low=0)
            severity = entry.get("severity")
            if severity is not None:
                self.choice(severity, f"{path}.severity", names.SEVERITIES)
            overrides[alert] = AlertOverride(
                enabled=enabled is not False,
                threshold=None if threshold is None else self.number(
                    threshold, f"{path}.threshold", 0.0, lambda v: True, "must be a number"),
                for_=for_ if isinstance(for_, str) else None,
                severity=severity if severity in names.SEVERITIES else None,
                labels=self.labels(entry.get("labels"), f"{path}.labels"),
            )
        return overrides

    def labels(self, value: Any, path: str) -> dict[str, str]:
        """Return extra alert labels: valid label names, string values, no reserved names."""
        section = self.mapping(value, path, set(value) if isinstance(value, Mapping) else set())
        found = {}
        for key, text in section.items():
            if not isinstance(key, str) or not key.isidentifier() or key.startswith("__"):
                self.problems.append(f"{path}.{key}: not a valid label name")
            elif key in (names.ALERTNAME, names.LABEL_SEVERITY):
                self.problems.append(f"{path}.{key}: reserved, set it with the alert's own field")
            elif not isinstance(text, str):
                self.problems.append(f"{path}.{key}: must be a string, got {text!r}")
            else:
                found[key] = text
        return found

    def capacity(self, value: Any) -> Capacity:
        """Return the forecast lookback and horizons."""
        section = self.mapping(value, "capacity", {"lookback", "horizons"})
        horizons = self.mapping(section.get("horizons"), "capacity.horizons",
                                set(CAPACITY_RESOURCES))
        return Capacity(
            lookback_seconds=self.duration(section.get("lookback"), "capacity.lookback",
                                           6 * 3600, 300, 7 * 86400),
            horizons={
                resource: self.duration(horizons.get(resource), f"capacity.horizons.{resource}",
                                        DEFAULT_HORIZONS[resource], 3600, 365 * 86400)
                for resource in CAPACITY_RESOURCES
            },
        )

    def costs(self, value: Any, services: set[str]) -> Costs:
        """Return the hourly cost rates; service costs must name declared services."""
        section = self.mapping(value, "costs", {
            "currency", "instance_hourly", "cpu_core_hourly", "memory_gib_hourly", "services",
        })
        currency = self.string(section.get("currency"), "costs.currency", "USD")
        if not re.fullmatch(r"[A-Z]{3}", currency):
            self.problems.append(f"costs.currency: must be an ISO 4217 code like USD, got "
                                 f"{currency!r}")

        def rate(value: Any, path: str) -> float:
            return self.number(value, path, 0.0, lambda v: v >= 0, "must be a number ≥ 0")

        per_service = section.get("services") or {}
        if not isinstance(per_service, Mapping):
            self.problems.append("costs.services: must be a mapping of service name to cost")
            per_service = {}
        for name in sorted(set(per_service) - services, key=str):
            self.problems.append(f"costs.services.{name}: not a service declared under services")
        return Costs(
            currency=currency,
            instance_hourly=rate(section.get("instance_hourly"), "costs.instance_hourly"),
            cpu_core_hourly=rate(section.get("cpu_core_hourly"), "costs.cpu_core_hourly"),
            memory_gib_hourly=rate(section.get("memory_gib_hourly"), "costs.memory_gib_hourly"),
            services={
                name: rate(per_service[name], f"costs.services.{name}")
                for name in sorted(per_service) if name in services
            },
        )

    def anomaly(self, value: Any) -> Anomaly:
        """Return the anomaly band width and minimum volume."""
        section = self.mapping(value, "anomaly", {"z_threshold", "min_events_per_second"})
        return Anomaly(
            z_threshold=self.number(section.get("z_threshold"), "anomaly.z_threshold", 3.0,
                                    lambda v: v > 0, "must be a positive number"),
            min_events_per_second=self.number(
                section.get("min_events_per_second"), "anomaly.min_events_per_second", 1.0,
                lambda v: v >= 0, "must be a number ≥ 0"),
        )

    def receivers(self, value: Any) -> Receivers:
        """Return the example Alertmanager receivers' webhook URLs."""
        section = self.mapping(value, "alertmanager", {"page_url", "ticket_url"})
        default = Receivers()
        return Receivers(
            page_url=self.url(section.get("page_url"), "alertmanager.page_url",
                              default.page_url),
            ticket_url=self.url(section.get("ticket_url"), "alertmanager.ticket_url",
                                default.ticket_url),
        )


def _days(seconds: int) -> str:
    if seconds % 86400 == 0:
        return f"{seconds // 86400}d"
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    return f"{seconds}s"
