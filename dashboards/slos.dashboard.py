"""SLOs: per spec SLO, objective, SLI per window, burn rates against alerts, budget burn-down."""

from pathlib import Path

from alert_rules.slo import PAGE_WINDOWS, TICKET_WINDOWS, burn_factor
from bundle import names as rn
from bundle.durations import format_duration
from bundle.spec import Slo, spec_of
from dashboards.style import (
    ORANGE,
    RED,
    SERVICE,
    Dashboard,
    Panel,
    Query,
    Row,
    Threshold,
    stat,
    timeseries,
)
from recording_rules.slo import DERIVED_WINDOWS, RAW_WINDOWS

SPEC = spec_of(Path(__file__).resolve().parent.parent)
WINDOWS = [format_duration(w) for w in RAW_WINDOWS + DERIVED_WINDOWS]
BURN_WINDOWS = sorted({w for pair in PAGE_WINDOWS + TICKET_WINDOWS for w in pair[:2]})


def burn_thresholds(slo: Slo) -> list[Threshold]:
    """Return the burn rates the ticket (orange) and page (red) alerts fire above."""
    ticket = {burn_factor(slo, long, share) for long, _, share in TICKET_WINDOWS}
    page = {burn_factor(slo, long, share) for long, _, share in PAGE_WINDOWS}
    return sorted([Threshold(f, ORANGE) for f in ticket] + [Threshold(f, RED) for f in page],
                  key=lambda t: t.value)


def slo_panels(slo: Slo) -> list[Panel]:
    """Return the panels of one SLO."""
    own = f'service="{slo.service}",slo="{slo.name}",service=~"$service"'
    period = format_duration(slo.period_seconds)
    budget = f"max by (service, slo) ({rn.SLO_ERROR_BUDGET_REMAINING}{{{own}}})"
    objective = slo.objective_percent / 100
    name = f"{slo.service} {slo.name}"
    burn_rates = [
        Query(f"{rn.slo_error_ratio(format_duration(w))}{{{own}}} / "
              f"ignoring(window) {rn.SLO_ERROR_BUDGET}{{{own}}}", format_duration(w))
        for w in BURN_WINDOWS
    ]
    return [
        stat(f"{name}: objective", f"Share of good events {slo.service} promises over "
             f"{period}.", "percentunit",
             f"max by (service, slo) ({rn.SLO_OBJECTIVE}{{{own}}})"),
        stat(f"{name}: SLI over the period", f"Share of good events over the last {period}; "
             "red below the objective.", "percentunit",
             f"1 - max by (service, slo) ({rn.SLO_ERROR_RATIO_PERIOD}{{{own}}})",
             base=RED, thresholds=[Threshold(objective, "green")]),
        stat(f"{name}: budget remaining", f"Share of the {period} error budget not yet "
             "spent.", "percentunit", budget, base=RED,
             thresholds=[Threshold(0, ORANGE), Threshold(0.25, "green")]),
        timeseries(f"{name}: SLI over each window", "Share of good events over each window "
                   "the burn alerts read.", "percentunit",
                   *(Query(f"1 - {rn.slo_error_ratio(w)}{{{own}}}", w) for w in WINDOWS),
                   thresholds=[Threshold(objective, "green")], width=12),
        timeseries(f"{name}: burn rate per window", "Error ratio divided by the error budget "
                   "per alert window: 1 spends the budget exactly over the period. Dashed: "
                   "the burn rates the ticket (orange) and page (red) alerts fire above.",
                   "none", *burn_rates, thresholds=burn_thresholds(slo), width=12),
        timeseries(f"{name}: error budget burn-down", f"Error budget left over the last "
                   f"{period}.", "percentunit", Query(budget, "budget left"),
                   time_from=period, thresholds=[Threshold(0)], width=12),
    ]


dashboard = Dashboard(
    uid=rn.DASHBOARD_SLOS,
    title="perfsight / SLOs",
    description="Every SLO of perfsight.yaml: objective, SLI per window, burn rates against the "
                "thresholds the burn-rate alerts use, and the error budget over the period.",
    tags=("slo",),
    variables=(SERVICE,),
    rows=tuple(Row(f"{slo.service} / {slo.name} ({slo.objective_percent:g}% over "
                   f"{format_duration(slo.period_seconds)})", *slo_panels(slo))
               for slo in SPEC.slos),
)
