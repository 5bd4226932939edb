"""perfsight's house style over grafanalib: every dashboard is built from these pieces only.

Panels need a title, a description and a unit to exist at all; queries go to the Prometheus
data source chosen in the ``$datasource`` variable (an object reference, as Grafana ≥ 8 writes
it); panel options are the current ``timeseries``/``stat``/``table``/``bargauge``/``heatmap``/
``geomap`` ones; the grid is computed, so panels cannot overlap; every dashboard links to the
others through the shared tag and shows firing alerts as annotations. grafanalib is used only
in this module, so a switch of builder stays here.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import grafanalib.core as g
from grafanalib._gen import DashboardEncoder

from bundle.names import ALERTS_SERIES, SLO_EVENTS_RATE5M, UP
from dashboards.layout import Box, place_rows

TAG = "perfsight"
DATASOURCE_VARIABLE = "datasource"
DATASOURCE = {"type": "prometheus", "uid": f"${{{DATASOURCE_VARIABLE}}}"}
SCHEMA_VERSION = 39
ALL = ".*"
RATE = "$__rate_interval"

# colours Grafana knows by name
GREEN, YELLOW, ORANGE, RED, BLUE = "green", "yellow", "orange", "red", "blue"

# keys grafanalib writes for Grafana < 7 that current Grafana ignores
_LEGACY_KEYS = frozenset({
    "rows", "style", "sharedCrosshair", "hideControls", "gnetId", "__inputs", "span", "minSpan",
    "height", "error", "cacheTimeout", "hideTimeOverride", "useTags", "tagsQuery",
    "tagValuesQuery", "auto", "auto_count", "auto_min",
})


@dataclass(frozen=True)
class Query:
    """One PromQL expression of a panel, with its legend (``{{label}}`` templates)."""

    expr: str
    legend: str = ""


@dataclass(frozen=True)
class Threshold:
    """A value from which the panel turns the given colour (steps start green)."""

    value: float
    color: str = RED


@dataclass(frozen=True)
class Panel:
    """A panel as the house style knows it; built by the functions below, never by hand."""

    kind: str
    title: str
    description: str
    unit: str
    queries: tuple[Query, ...]
    width: int
    height: int
    thresholds: tuple[Threshold, ...] = ()
    stack: bool = False
    minimum: float | None = None
    maximum: float | None = None
    instant: bool = False
    base: str = GREEN
    time_from: str | None = None

    def __post_init__(self) -> None:
        """Refuse a panel without title, description, unit or query."""
        for name in ("title", "description", "unit"):
            if not getattr(self, name).strip():
                raise ValueError(f"panel {self.title!r}: {name} must not be empty")
        if not self.queries:
            raise ValueError(f"panel {self.title!r}: needs at least one query")


def _queries(queries: Sequence[Query | str]) -> tuple[Query, ...]:
    return tuple(q if isinstance(q, Query) else Query(q) for q in queries)


def timeseries(
    title: str, description: str, unit: str, *queries: Query | str, width: int = 8,
    height: int = 8, thresholds: Sequence[Threshold] = (), stack: bool = False,
    minimum: float | None = None, maximum: float | None = None, time_from: str | None = None,
    base: str = GREEN,
) -> Panel:
    """Return a time-series graph; thresholds are drawn as dashed lines.

    ``time_from`` (e.g. ``30d``) gives the panel its own time range, ending now.
    """
    return Panel("timeseries", title, description, unit, _queries(queries), width, height,
                 tuple(thresholds), stack, minimum, maximum, time_from=time_from, base=base)


def stat(
    title: str, description: str, unit: str, *queries: Query | str, width: int = 4,
    height: int = 4, thresholds: Sequence[Threshold] = (), base: str = GREEN,
) -> Panel:
    """Return a single big number (last value) coloured by thresholds above a base colour."""
    return Panel("stat", title, description, unit, _queries(queries), width, height,
                 tuple(thresholds), base=base)


def bargauge(
    title: str, description: str, unit: str, *queries: Query | str, width: int = 8,
    height: int = 8, thresholds: Sequence[Threshold] = (), maximum: float | None = None,
    base: str = GREEN,
) -> Panel:
    """Return horizontal bars, one per series (top-N lists), coloured by thresholds."""
    return Panel("bargauge", title, description, unit, _queries(queries), width, height,
                 tuple(thresholds), minimum=0, maximum=maximum, instant=True, base=base)


def table(
    title: str, description: str, unit: str, *queries: Query | str, width: int = 12,
    height: int = 8, thresholds: Sequence[Threshold] = (), base: str = GREEN,
) -> Panel:
    """Return a table of the current value of each series, one row per series."""
    return Panel("table", title, description, unit, _queries(queries), width, height,
                 tuple(thresholds), instant=True, base=base)


def heatmap(
    title: str, description: str, unit: str, bucket_rate: str, *, width: int = 12,
    height: int = 8,
) -> Panel:
    """Return a heat map of pre-bucketed histogram rates (``sum by (le) (rate(…_bucket))``)."""
    return Panel("heatmap", title, description, unit, (Query(bucket_rate, "{{le}}"),), width,
                 height)


def geomap(
    title: str, description: str, unit: str, query: Query | str, *, width: int = 12,
    height: int = 10, thresholds: Sequence[Threshold] = (),
) -> Panel:
    """Return a world map with one marker per ``location`` label (country code lookup)."""
    return Panel("geomap", title, description, unit, _queries([query]), width, height,
                 tuple(thresholds), instant=True)


@dataclass(frozen=True)
class Variable:
    """A template variable filled from ``label_values(selector, label)``."""

    name: str
    label: str
    selector: str

    @property
    def query(self) -> str:
        """Return the variable's label_values query."""
        return f"label_values({self.selector}, {self.name})"


JOB = Variable("job", "Job", UP)
INSTANCE = Variable("instance", "Instance", f'{UP}{{job=~"$job"}}')
SERVICE = Variable("service", "Service", SLO_EVENTS_RATE5M)


@dataclass(frozen=True)
class Row:
    """A titled row of panels, laid out left to right and wrapped at 24 columns."""

    title: str
    panels: tuple[Panel, ...]

    def __init__(self, title: str, *panels: Panel) -> None:
        object.__setattr__(self, "title", title)
        object.__setattr__(self, "panels", panels)


@dataclass(frozen=True)
class Dashboard:
    """A whole dashboard; ``to_json`` gives the Grafana JSON model."""

    uid: str
    title: str
    description: str
    rows: tuple[Row, ...]
    variables: tuple[Variable, ...] = (JOB, INSTANCE)
    tags: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """Return the Grafana dashboard JSON model."""
        built = g.Dashboard(
            title=self.title,
            uid=self.uid,
            description=self.description,
            tags=sorted({TAG, *self.tags}),
            panels=list(_grafanalib_panels(self.rows)),
            templating=g.Templating([_datasource_variable(),
                                     *(_query_variable(v) for v in self.variables)]),
            annotations=g.Annotations([_alerts_annotation()]),
            links=[_dashboards_link()],
            time=g.Time("now-6h", "now"),
            refresh="1m",
            schemaVersion=SCHEMA_VERSION,
            timezone="browser",
            graphTooltip=1,
        )
        data: dict[str, Any] = _without_legacy(
            json.loads(json.dumps(built.to_json_data(), cls=DashboardEncoder)))
        return data


class _HousePanel:
    """A grafanalib panel plus the current Grafana type, field config and options."""

    def __init__(self, base: g.Panel, kind: str, field_config: dict[str, Any],
                 options: dict[str, Any]) -> None:
        self.base = base
        self.overrides = {"type": kind, "fieldConfig": field_config, "options": options}

    def to_json_data(self) -> dict[str, Any]:
        """Return the panel JSON."""
        data: dict[str, Any] = self.base.panel_json(self.overrides)
        return data


def _grafanalib_panels(rows: Sequence[Row]) -> list[Any]:
    panels: list[Any] = []
    placed = place_rows([[(p.width, p.height) for p in row.panels] for row in rows])
    for row, (header, boxes) in zip(rows, placed, strict=True):
        panels.append(g.RowPanel(title=row.title, gridPos=_grid(header), id=len(panels) + 1))
        for panel, box in zip(row.panels, boxes, strict=True):
            panels.append(_grafanalib_panel(panel, box, len(panels) + 1))
    return panels


def _grid(box: Box) -> g.GridPos:
    return g.GridPos(h=box.h, w=box.w, x=box.x, y=box.y)


def _grafanalib_panel(panel: Panel, box: Box, panel_id: int) -> _HousePanel:
    targets = [
        {
            "datasource": DATASOURCE,
            "editorMode": "code",
            "expr": query.expr,
            "legendFormat": query.legend or "__auto",
            "refId": chr(ord("A") + index),
            "range": not panel.instant,
            "instant": panel.instant,
            "format": _target_format(panel.kind),
        }
        for index, query in enumerate(panel.queries)
    ]
    base = g.Panel(
        title=panel.title,
        description=panel.description,
        dataSource=DATASOURCE,
        targets=targets,
        gridPos=_grid(box),
        id=panel_id,
        maxDataPoints=None,
        timeFrom=panel.time_from,
        transformations=_transformations(panel),
    )
    return _HousePanel(base, panel.kind, {"defaults": _field_defaults(panel), "overrides": []},
                       _OPTIONS[panel.kind](panel))


def _target_format(kind: str) -> str:
    return {"heatmap": "heatmap", "table": "table"}.get(kind, "time_series")


def _transformations(panel: Panel) -> list[dict[str, Any]]:
    """Merge a table's queries into one row per series, columns named after the legends."""
    if panel.kind != "table":
        return []
    names = {f"Value #{chr(ord('A') + i)}": q.legend
             for i, q in enumerate(panel.queries) if q.legend}
    return [{"id": "merge", "options": {}},
            {"id": "organize", "options": {"excludeByName": {"Time": True},
                                           "renameByName": names}}]


def _thresholds(panel: Panel) -> dict[str, Any]:
    steps: list[dict[str, Any]] = [{"color": panel.base, "value": None}]
    steps += [{"color": t.color, "value": t.value} for t in panel.thresholds]
    return {"mode": "absolute", "steps": steps}


def _field_defaults(panel: Panel) -> dict[str, Any]:
    defaults: dict[str, Any] = {
        "unit": panel.unit,
        "thresholds": _thresholds(panel),
        "color": {"mode": "palette-classic" if panel.kind == "timeseries" else "thresholds"},
        "min": panel.minimum,
        "max": panel.maximum,
        "custom": _CUSTOM[panel.kind](panel) if panel.kind in _CUSTOM else None,
    }
    return {key: value for key, value in defaults.items() if value is not None}


def _timeseries_custom(panel: Panel) -> dict[str, Any]:
    return {
        "drawStyle": "line",
        "lineInterpolation": "linear",
        "lineWidth": 1,
        "fillOpacity": 30 if panel.stack else 10,
        "gradientMode": "none",
        "showPoints": "never",
        "spanNulls": False,
        "axisPlacement": "auto",
        "stacking": {"mode": "normal" if panel.stack else "none", "group": "A"},
        "thresholdsStyle": {"mode": "dashed" if panel.thresholds else "off"},
    }


def _table_custom(_: Panel) -> dict[str, Any]:
    return {"align": "auto", "cellOptions": {"type": "color-text"}, "filterable": True}


def _heatmap_custom(_: Panel) -> dict[str, Any]:
    return {"hideFrom": {"legend": False, "tooltip": False, "viz": False},
            "scaleDistribution": {"type": "linear"}}


_CUSTOM = {"timeseries": _timeseries_custom, "table": _table_custom, "heatmap": _heatmap_custom}

_REDUCE_LAST = {"calcs": ["lastNotNull"], "fields": "", "values": False}


def _timeseries_options(_: Panel) -> dict[str, Any]:
    return {
        "legend": {"displayMode": "list", "placement": "bottom", "showLegend": True,
                   "calcs": []},
        "tooltip": {"mode": "multi", "sort": "desc"},
    }


def _stat_options(_: Panel) -> dict[str, Any]:
    return {"reduceOptions": _REDUCE_LAST, "colorMode": "value", "graphMode": "area",
            "justifyMode": "auto", "orientation": "auto", "textMode": "auto"}


def _bargauge_options(_: Panel) -> dict[str, Any]:
    return {"reduceOptions": _REDUCE_LAST, "orientation": "horizontal",
            "displayMode": "gradient", "showUnfilled": True, "valueMode": "color"}


def _table_options(_: Panel) -> dict[str, Any]:
    return {"showHeader": True, "cellHeight": "sm",
            "footer": {"show": False, "reducer": ["sum"], "fields": ""}}


def _heatmap_options(panel: Panel) -> dict[str, Any]:
    return {
        "calculate": False,
        "cellGap": 1,
        "color": {"mode": "scheme", "scheme": "Oranges", "fill": "dark-orange",
                  "scale": "exponential", "exponent": 0.5, "steps": 64, "reverse": False},
        "exemplars": {"color": "rgba(255,0,255,0.7)"},
        "legend": {"show": True},
        "rowsFrame": {"layout": "auto"},
        "tooltip": {"mode": "single", "yHistogram": False, "showColorScale": False},
        "yAxis": {"axisPlacement": "left", "reverse": False, "unit": panel.unit},
    }


def _geomap_options(_: Panel) -> dict[str, Any]:
    return {
        "view": {"id": "zero", "lat": 0, "lon": 0, "zoom": 1, "allLayers": True},
        "controls": {"showZoom": True, "mouseWheelZoom": True, "showAttribution": True},
        "basemap": {"type": "default", "name": "Basemap", "config": {}},
        "layers": [{
            "type": "markers",
            "name": "Locations",
            "location": {"mode": "lookup", "lookup": "location",
                         "gazetteer": "public/gazetteer/countries.json"},
            "config": {"showLegend": True,
                       "style": {"size": {"fixed": 8, "min": 4, "max": 16},
                                 "color": {"field": "Value", "fixed": GREEN}}},
        }],
        "tooltip": {"mode": "details"},
    }


_OPTIONS = {
    "timeseries": _timeseries_options, "stat": _stat_options, "bargauge": _bargauge_options,
    "table": _table_options, "heatmap": _heatmap_options, "geomap": _geomap_options,
}


def _datasource_variable() -> g.Template:
    return g.Template(name=DATASOURCE_VARIABLE, label="Data source", query="prometheus",
                      type="datasource")


def _query_variable(variable: Variable) -> g.Template:
    template = g.Template(
        name=variable.name, label=variable.label, query=variable.query, dataSource=DATASOURCE,
        includeAll=True, multi=True, allValue=ALL, refresh=2, sort=1,
    )
    # grafanalib's post-init writes the value as text too; Grafana labels $__all "All"
    template._current = {"selected": True, "text": ["All"], "value": ["$__all"]}
    return template


def _alerts_annotation() -> dict[str, Any]:
    return {
        "name": "Firing alerts",
        "datasource": DATASOURCE,
        "enable": True,
        "expr": f'{ALERTS_SERIES}{{alertstate="firing"}}',
        "iconColor": RED,
        "step": "60s",
        "titleFormat": "{{alertname}}",
        "tagKeys": "severity,alertname",
        "textFormat": "{{instance}} {{job}}",
        "useValueForTime": False,
    }


def _dashboards_link() -> g.DashboardLink:
    return g.DashboardLink(title="perfsight", type="dashboards", tags=[TAG], asDropdown=True,
                           includeVars=True, keepTime=True)


def _without_legacy(value: Any) -> Any:
    """Drop grafanalib's pre-Grafana-7 keys and null fields (but base thresholds), recursively."""
    if isinstance(value, dict):
        return {key: _without_legacy(item) for key, item in value.items()
                if (item is not None or key == "value") and key not in _LEGACY_KEYS}
    if isinstance(value, list):
        return [_without_legacy(item) for item in value]
    return value
