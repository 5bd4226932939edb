"""The generated rules and Alertmanager config of a spec variant, written to a temp dir."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bundle.rules import rule_artifacts

ROOT = Path(__file__).resolve().parent.parent.parent


@dataclass(frozen=True)
class GeneratedBundle:
    """Paths of one generation run."""

    rule_files: list[Path]
    alertmanager_config: Path


def generate_variant(workdir: Path, changes: dict[str, Any]) -> GeneratedBundle:
    """Generate from perfsight.yaml with top-level sections replaced; group intervals dropped.

    Dropping a group's `interval` makes it follow the server's (fast) evaluation interval, so a
    test needn't wait a minute for the SLO groups' first evaluation.
    """
    spec = yaml.safe_load((ROOT / "perfsight.yaml").read_text())
    spec.update(changes)
    (workdir / "perfsight.yaml").write_text(yaml.safe_dump(spec))
    rule_files = []
    alertmanager_config = workdir / "alertmanager.yml"
    for artifact in rule_artifacts(workdir):
        target = workdir / artifact.path
        target.parent.mkdir(parents=True, exist_ok=True)
        if artifact.path.startswith(("recording_rules/", "alert_rules/")):
            document = yaml.safe_load(artifact.text)
            for group in document["groups"]:
                group.pop("interval", None)
            target.write_text(yaml.safe_dump(document))
            rule_files.append(target)
        elif artifact.path.startswith("alertmanager/"):
            alertmanager_config.write_text(artifact.text)
    return GeneratedBundle(sorted(rule_files), alertmanager_config)


def rule_problems(rules_api_answer: dict[str, Any]) -> tuple[list[str], int]:
    """Return (rules not evaluated or failing, total rules) from a /api/v1/rules answer."""
    problems, total = [], 0
    for group in rules_api_answer["data"]["groups"]:
        for rule in group["rules"]:
            total += 1
            if rule.get("health") != "ok" or rule.get("lastError"):
                problems.append(f"{group['name']}/{rule['name']}: {rule.get('health')} "
                                f"{rule.get('lastError', '')}")
    return problems, total
