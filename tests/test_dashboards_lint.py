"""The generated dashboards are well-formed: ids, grid, variables, PromQL, names, descriptions."""

import itertools
import json
import resource
import subprocess
import sys
from typing import Any

import promql_parser
import pytest
import yaml

import bundle.names
from alert_rules import system as system_alerts
from alert_rules.model import Alert
from dashboards.layout import GRID_COLUMNS, Box, place_rows
from dashboards.style import TAG, Query, stat, timeseries
from dashboards.thresholds import alert_threshold
from tests.dashboard_queries import (
    GRAFANA_BUILTINS,
    JSON_DIR,
    ROOT,
    dashboards,
    known_names,
    metric_names,
    other_queries,
    panel_queries,
    panels,
    substitute,
    used_variables,
)

BOARDS = dashboards()
DASHBOARD_UIDS = {v for k, v in vars(bundle.names).items() if k.startswith("DASHBOARD_")}


def content_panels(board: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in panels(board) if p["type"] != "row"]


def overlap(a: dict[str, int], b: dict[str, int]) -> bool:
    return (a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"]
            and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"])


def test_there_are_dashboards_and_each_source_has_its_json() -> None:
    sources = {p.name.removesuffix(".dashboard.py") for p in (ROOT / "dashboards").glob(
        "*.dashboard.py")}
    assert sources
    assert {name.removesuffix(".json") for name in BOARDS} == sources


def test_json_files_are_valid_json_objects() -> None:
    for path in sorted(JSON_DIR.glob("*.json")):
        assert isinstance(json.loads(path.read_text(encoding="utf-8")), dict), path


def test_uids_are_unique_and_the_ones_rules_link_to() -> None:
    uids = [board["uid"] for board in BOARDS.values()]
    assert len(uids) == len(set(uids))
    assert set(uids) <= DASHBOARD_UIDS


@pytest.mark.parametrize("name", BOARDS)
def test_panel_ids_are_unique(name: str) -> None:
    ids = [p["id"] for p in panels(BOARDS[name])]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("name", BOARDS)
def test_grid_positions_fit_24_columns_without_overlap(name: str) -> None:
    boxes = [(p["title"], p["gridPos"]) for p in panels(BOARDS[name])]
    for title, box in boxes:
        assert box["x"] >= 0 and box["y"] >= 0 and box["w"] >= 1 and box["h"] >= 1, title
        assert box["x"] + box["w"] <= GRID_COLUMNS, title
    for (a_title, a), (b_title, b) in itertools.combinations(boxes, 2):
        assert not overlap(a, b), f"{a_title!r} overlaps {b_title!r}"


@pytest.mark.parametrize("name", BOARDS)
def test_every_variable_used_is_defined(name: str) -> None:
    board = BOARDS[name]
    defined = {v["name"] for v in board["templating"]["list"]} | set(GRAFANA_BUILTINS)
    undefined = used_variables(json.dumps(board)) - defined
    assert not undefined, f"undefined variables: {sorted(undefined)}"


@pytest.mark.parametrize("name", BOARDS)
def test_every_panel_has_title_description_unit_and_a_query(name: str) -> None:
    for panel in content_panels(BOARDS[name]):
        assert panel.get("title", "").strip(), panel["id"]
        assert panel.get("description", "").strip(), panel["title"]
        assert panel["fieldConfig"]["defaults"].get("unit", "").strip(), panel["title"]
        assert panel["targets"], panel["title"]


@pytest.mark.parametrize("name", BOARDS)
def test_datasource_is_an_object_reference_to_the_variable(name: str) -> None:
    board = BOARDS[name]
    assert board["templating"]["list"][0]["type"] == "datasource"
    reference = {"type": "prometheus", "uid": "${datasource}"}
    for panel in content_panels(board):
        assert panel["datasource"] == reference, panel["title"]
        assert all(t["datasource"] == reference for t in panel["targets"]), panel["title"]


@pytest.mark.parametrize("name", BOARDS)
def test_tagged_linked_and_annotated_with_alerts(name: str) -> None:
    board = BOARDS[name]
    assert TAG in board["tags"]
    assert {"type": "dashboards", "tags": [TAG]}.items() <= board["links"][0].items()
    assert any("ALERTS" in a.get("expr", "") for a in board["annotations"]["list"])


@pytest.mark.parametrize("name", BOARDS)
def test_every_expression_parses_after_variable_substitution(name: str) -> None:
    board = BOARDS[name]
    values = {v["name"]: ".*" for v in board["templating"]["list"]}
    for query in [*panel_queries(board), *other_queries(board)]:
        try:
            promql_parser.parse(substitute(query.expr, values))
        except ValueError as error:
            pytest.fail(f"{query.where}: {query.expr!r} does not parse: {error}")


@pytest.mark.parametrize("name", BOARDS)
def test_every_name_is_one_perfsight_produces(name: str) -> None:
    board = BOARDS[name]
    values = {v["name"]: ".*" for v in board["templating"]["list"]}
    known = known_names()
    for query in [*panel_queries(board), *other_queries(board)]:
        unknown = metric_names(substitute(query.expr, values)) - known
        assert not unknown, f"{query.where}: names no exporter or rule produces: {unknown}"


def test_the_name_check_catches_a_misspelled_metric() -> None:
    assert metric_names('rate(node_cpu_secs_total{job=~".*"}[4s])') - known_names() == {
        "node_cpu_secs_total"}


def test_layout_wraps_rows_without_overlap() -> None:
    sizes = [[(8, 8), (8, 4), (12, 6), (24, 2), (5, 3)], [(24, 1)], [(13, 5), (13, 5)]]
    placed = list(place_rows(sizes))
    every: list[Box] = [box for header, boxes in placed for box in (header, *boxes)]
    for a, b in itertools.combinations(every, 2):
        assert not overlap(a.as_json(), b.as_json()), (a, b)
    assert [b.x for b in placed[0][1]] == [0, 8, 0, 0, 0]
    assert all(b.x + b.w <= GRID_COLUMNS for b in every)


def test_layout_rejects_a_panel_wider_than_the_grid() -> None:
    with pytest.raises(ValueError, match="width"):
        list(place_rows([[(25, 4)]]))


def test_a_panel_needs_description_unit_and_query() -> None:
    with pytest.raises(ValueError, match="description"):
        timeseries("t", " ", "s", Query("up"))
    with pytest.raises(ValueError, match="unit"):
        stat("t", "d", "", "up")
    with pytest.raises(ValueError, match="query"):
        stat("t", "d", "s")


def test_make_dashboards_regenerates_in_under_5_seconds() -> None:
    # CPU seconds of the child, not wall time: the test host's 2 CPUs are shared
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", "from bundle.__main__ import ROOT, plan; plan(ROOT)"],
                   cwd=ROOT, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    print(f"\nmake dashboards: {cpu:.2f} CPU seconds")
    assert cpu < 5


@pytest.mark.parametrize(("title", "alert"), [
    ("Filesystem space used", system_alerts.DISK_FILLING_UP),
    ("Inodes used", system_alerts.INODES_FILLING_UP),
    ("Memory utilisation", system_alerts.MEMORY_SATURATED),
    ("CPU saturation: pressure", system_alerts.CPU_SATURATED),
    ("Disk saturation: queue length", system_alerts.DISK_IO_SATURATED),
    ("File descriptors used", system_alerts.FDS_EXHAUSTING),
])
def test_resource_thresholds_are_where_the_alerts_fire(title: str, alert: Alert) -> None:
    (panel,) = [p for p in panels(BOARDS["resources.json"]) if p["title"] == title]
    steps = panel["fieldConfig"]["defaults"]["thresholds"]["steps"]
    assert steps[-1] == {"color": "red", "value": alert_threshold(alert)}
    assert panel["fieldConfig"]["defaults"]["custom"]["thresholdsStyle"]["mode"] == "dashed"


@pytest.mark.parametrize("name", BOARDS)
def test_thresholds_start_from_a_base_step_and_ascend(name: str) -> None:
    for panel in content_panels(BOARDS[name]):
        steps = panel["fieldConfig"]["defaults"]["thresholds"]["steps"]
        assert steps[0]["value"] is None, panel["title"]
        values = [step["value"] for step in steps[1:]]
        assert values == sorted(values), panel["title"]


@pytest.mark.parametrize("name", BOARDS)
def test_panel_titles_are_unique_within_a_dashboard(name: str) -> None:
    titles = [p["title"] for p in content_panels(BOARDS[name])]
    assert sorted(t for t in set(titles) if titles.count(t) > 1) == []


def test_the_provisioning_provider_file_loads_a_folder_of_files() -> None:
    provider = yaml.safe_load((ROOT / "dashboards" / "grafana-provider.yaml").read_text())
    assert provider["apiVersion"] == 1
    (entry,) = provider["providers"]
    assert entry["type"] == "file"
    assert entry["options"]["path"].startswith("/")
