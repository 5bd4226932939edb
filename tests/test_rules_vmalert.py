"""The generated rules load and evaluate without errors in vmalert against VictoriaMetrics."""

from pathlib import Path
from typing import Any

import pytest

from bundle import names
from tests.harness.alertmanager import running_alertmanager
from tests.harness.bundle import generate_variant, rule_problems
from tests.harness.exporter import running_exporter
from tests.harness.servers import wait_until
from tests.harness.victoria import running_victoria_metrics
from tests.harness.vmalert import rules_answer, running_vmalert


@pytest.mark.integration
def test_vmalert_evaluates_every_generated_rule(tmp_path: Path) -> None:
    generated = generate_variant(tmp_path, {})
    with (
        running_exporter(tmp_path) as exporter,
        running_victoria_metrics(tmp_path, [{
            "job_name": "perfsight",
            "static_configs": [{"targets": [exporter.removeprefix("http://")]}],
        }]) as victoria,
        running_alertmanager(tmp_path, generated.alertmanager_config) as manager,
        running_vmalert(tmp_path, generated.rule_files, victoria.url, manager.url) as vmalert,
    ):
        answer: dict[str, Any] = {}

        def evaluated_with_data() -> bool:
            answer.update(rules_answer(vmalert))
            problems, _ = rule_problems(answer)
            return not any(" unknown " in p for p in problems) and bool(
                victoria.query(f"{names.INSTANCE_MEMORY_UTILISATION}"))

        wait_until(evaluated_with_data, 60, "vmalert to evaluate every rule on scraped data")
        problems, total = rule_problems(answer)
        assert total > 50
        assert not problems
