"""alertmanager/alertmanager.yml: page/ticket routing, grouping and inhibitions from the spec."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from alert_rules import caches, databases, slo, system
from bundle import names as rn
from bundle.artifacts import Artifact, render_yaml
from bundle.spec import Spec, spec_of

PATH = "alertmanager/alertmanager.yml"
PAGE, TICKET = "page", "ticket"
# alerts meaning "this dependency is unreachable"; they hold back the SLO burn of its dependents
DEPENDENCY_DOWN_ALERTS = (
    system.EXPORTER_DOWN.name, *(a.name for a in databases.DOWN_ALERTS + caches.DOWN_ALERTS)
)
SLO_BURN_ALERTS = (slo.BURN_PAGE.name, slo.BURN_TICKET.name)


def alternatives(values: tuple[str, ...] | list[str]) -> str:
    """Return a regex matching exactly one of values."""
    return "|".join(v.replace(".", "\\.") for v in values)


def inhibit_rules(spec: Spec) -> list[dict[str, Any]]:
    """Return the inhibitions: critical over warning, down over the rest, dependency over SLO."""
    severity, alertname = rn.LABEL_SEVERITY, rn.ALERTNAME
    rules: list[dict[str, Any]] = [
        {"source_matchers": [f'{severity}="critical"'],
         "target_matchers": [f'{severity}=~"warning|info"'],
         "equal": [alertname, rn.LABEL_INSTANCE, rn.LABEL_SERVICE, rn.LABEL_SLO]},
        {"source_matchers": [f'{alertname}=~"{alternatives(DEPENDENCY_DOWN_ALERTS)}"'],
         "target_matchers": [f'{alertname}!~"{alternatives(DEPENDENCY_DOWN_ALERTS)}"'],
         "equal": [rn.LABEL_INSTANCE]},
        {"source_matchers": [f'{alertname}="{slo.BURN_PAGE.name}"'],
         "target_matchers": [f'{alertname}="{slo.BURN_TICKET.name}"'],
         "equal": [rn.LABEL_SERVICE, rn.LABEL_SLO]},
    ]
    instances = {d.name: d.instance for d in spec.dependencies}
    for service in spec.services:
        if service.depends_on:
            dependencies = alternatives([instances[d] for d in service.depends_on])
            rules.append({
                "source_matchers": [
                    f'{alertname}=~"{alternatives(DEPENDENCY_DOWN_ALERTS)}"',
                    f'{rn.LABEL_INSTANCE}=~"{dependencies}"',
                ],
                "target_matchers": [f'{alertname}=~"{alternatives(SLO_BURN_ALERTS)}"',
                                    f'{rn.LABEL_SERVICE}="{service.name}"'],
            })
    return rules


def alertmanager_config(spec: Spec) -> dict[str, Any]:
    """Return the example config: critical pages, warning and info open tickets."""
    def receiver(name: str, url: str) -> dict[str, Any]:
        return {"name": name, "webhook_configs": [{"url": url, "send_resolved": True}]}

    return {
        "route": {
            "receiver": TICKET,
            "group_by": [rn.ALERTNAME, rn.LABEL_SERVICE, rn.LABEL_SLO, rn.LABEL_INSTANCE],
            "group_wait": "30s", "group_interval": "5m", "repeat_interval": "12h",
            "routes": [
                {"matchers": [f'{rn.LABEL_SEVERITY}="critical"'], "receiver": PAGE,
                 "repeat_interval": "1h"},
                {"matchers": [f'{rn.LABEL_SEVERITY}=~"warning|info"'], "receiver": TICKET},
            ],
        },
        "receivers": [receiver(PAGE, spec.receivers.page_url),
                      receiver(TICKET, spec.receivers.ticket_url)],
        "inhibit_rules": inhibit_rules(spec),
    }


def generate(root: Path) -> Iterator[Artifact]:
    """Write the example Alertmanager config."""
    yield Artifact(PATH, render_yaml(alertmanager_config(spec_of(root))))
