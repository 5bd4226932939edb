"""Generated rules: promtool check rules, promtool unit tests, and every alert covered by both."""

import subprocess
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import yaml

from bundle.__main__ import plan
from tests.harness.servers import require_binary

ROOT = Path(__file__).resolve().parent.parent
RULE_DIRS = (ROOT / "recording_rules" / "generated", ROOT / "alert_rules" / "generated")
UNIT_TESTS = sorted((ROOT / "alert_rules" / "tests").glob("*.test.yaml"))


def rule_files() -> list[Path]:
    return sorted(path for directory in RULE_DIRS for path in directory.glob("*.yaml"))


def generated_alert_names() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "alert_rules" / "generated").glob("*.yaml"):
        for group in yaml.safe_load(path.read_text())["groups"]:
            names.update(rule["alert"] for rule in group["rules"])
    return names


def unit_test_cases() -> dict[str, dict[str, int]]:
    """Count, per alert name, the promtool checks where it fires and where it stays silent."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"fires": 0, "silent": 0})
    for path in UNIT_TESTS:
        document: dict[str, Any] = yaml.safe_load(path.read_text())
        for case in document["tests"]:
            for check in case.get("alert_rule_test", []):
                kind = "fires" if check.get("exp_alerts") else "silent"
                counts[check["alertname"]][kind] += 1
    return counts


def test_rule_files_are_the_generated_ones() -> None:
    wanted, _ = plan(ROOT)
    generated = {p for p in wanted if p.parent in RULE_DIRS}
    assert generated == set(rule_files())
    assert generated, "no rule files generated"


@pytest.mark.parametrize("path", rule_files(), ids=lambda p: p.name)
def test_promtool_check_rules(path: Path) -> None:
    result = subprocess.run([require_binary("promtool"), "check", "rules", str(path)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", UNIT_TESTS, ids=lambda p: p.name)
def test_promtool_unit_tests(path: Path) -> None:
    result = subprocess.run([require_binary("promtool"), "test", "rules", path.name],
                            capture_output=True, text=True, check=False, cwd=path.parent)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_a_firing_and_a_silent_unit_test() -> None:
    counts = unit_test_cases()
    missing = sorted(
        f"{name}: {kind}"
        for name in generated_alert_names()
        for kind in ("fires", "silent")
        if counts[name][kind] == 0
    )
    assert not missing, f"alerts without promtool cases: {missing}"


def test_unit_tests_name_only_existing_alerts() -> None:
    unknown = set(unit_test_cases()) - generated_alert_names()
    assert not unknown, f"unit tests for alerts that are not generated: {unknown}"
