"""runbooks/<AlertName>.md for every alert: meaning, impact, diagnosis, mitigation, tuning."""

from collections.abc import Iterator
from pathlib import Path

from alert_rules.catalogue import ALERTS
from alert_rules.model import Alert
from bundle.artifacts import Artifact, render_markdown
from bundle.promql import number
from bundle.spec import Spec, spec_of


def runbook(alert: Alert, spec: Spec) -> str:
    """Return one alert's runbook page."""
    override = spec.override(alert.name)
    dashboard = f"{spec.links.dashboard_base_url}/d/{alert.dashboard}"
    threshold = (f"- threshold: {number(alert.threshold)} ({alert.threshold_meaning})\n"
                 if alert.threshold is not None else "")
    state = "enabled" if override.enabled else "**disabled** in perfsight.yaml"
    severity, for_ = override.severity or alert.severity, override.for_ or alert.for_
    return f"""# {alert.name}

Severity **{severity}**, `for: {for_}`, {state} (as perfsight.yaml sets it).
Dashboard: [{alert.dashboard}]({dashboard}).

## Meaning

{alert.runbook.meaning}

## Impact

{alert.runbook.impact}

## Diagnose

{alert.runbook.diagnose}

## Mitigate

{alert.runbook.mitigate}

## Tune

Defaults:

- severity: {alert.severity}
- for: {alert.for_}
{threshold}
Change them in `perfsight.yaml` and run `make dashboards`:

```yaml
alerts:
  {alert.name}:
    enabled: true{"" if alert.threshold is None else f'''
    threshold: {number(alert.threshold)}'''}
    for: {alert.for_}
    severity: {alert.severity}
    labels: {{team: my-team}}
```
"""


def generate(root: Path) -> Iterator[Artifact]:
    """Write one runbook per alert and an index."""
    spec = spec_of(root)
    for alert in ALERTS:
        yield Artifact(f"runbooks/{alert.name}.md", render_markdown(runbook(alert, spec)))
    rows = "\n".join(f"| [{a.name}]({a.name}.md) | {a.severity} | {a.runbook.meaning} |"
                     for a in sorted(ALERTS, key=lambda a: a.name))
    yield Artifact("runbooks/README.md", render_markdown(
        f"# Runbooks\n\nOne page per alert of the generated rules.\n\n"
        f"| alert | severity | meaning |\n|---|---|---|\n{rows}\n"
    ))
