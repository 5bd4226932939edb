"""Multi-window multi-burn-rate SLO alerts (SRE workbook), low-traffic guarded, and budget out."""

from collections.abc import Iterator
from pathlib import Path

from alert_rules.model import Alert, AlertRule, Runbook, constant, render_rules, rule_group
from bundle import names as rn
from bundle.artifacts import Artifact, render_yaml
from bundle.durations import UNIT_SECONDS, format_duration
from bundle.promql import number, rng, select
from bundle.spec import Slo, Spec, spec_of
from bundle.spec_model import FAST_BURN_BUDGET_SHARE, FAST_BURN_WINDOW
from recording_rules.slo import EVALUATION_SECONDS, slo_selector

PATH = "alert_rules/generated/slo.yaml"
H, M = UNIT_SECONDS["h"], UNIT_SECONDS["m"]
NO_WINDOW = f"ignoring({rn.LABEL_WINDOW})"

# (long window, short window, share of the period's error budget spent in the long window)
PAGE_WINDOWS = ((FAST_BURN_WINDOW, 5 * M, FAST_BURN_BUDGET_SHARE), (6 * H, 30 * M, 0.05))
TICKET_WINDOWS = ((24 * H, 2 * H, 0.10), (72 * H, 6 * H, 0.10))

BURN_PAGE = Alert(
    name=rn.ALERT_SLO_BURN_PAGE, severity="critical", for_="2m",
    summary="{{ $labels.service }} burns its {{ $labels.slo }} error budget fast",
    description="{{ $labels.service }} {{ $labels.slo }}: error ratio "
                "{{ $value | humanizePercentage }} over the long window, on pace to spend 2% "
                "of the error budget in 1h or 5% in 6h.",
    dashboard=rn.DASHBOARD_SLOS,
    runbook=Runbook(
        meaning="Both the long (1h / 6h) and the short (5m / 30m) window burn the error "
                "budget at 14.4x / 6x the sustainable rate (for a 30-day period; factors scale "
                "with the period). The short window makes the alert stop soon after recovery. "
                "SLOs with fewer events than `min_events` in the long window never page.",
        impact="Users see errors or slow responses now; at this pace the period's budget is "
               "gone within days.",
        diagnose="SLOs dashboard: error ratio per window, burn rate, budget remaining; Errors "
                 "and Response times dashboards for the failing endpoints; recent deploys; "
                 "the service's dependencies (database and cache alerts).",
        mitigate="Roll back the last change, fail over, shed load, or fix the dependency.",
    ),
)
BURN_TICKET = Alert(
    name=rn.ALERT_SLO_BURN_TICKET, severity="warning", for_="15m",
    summary="{{ $labels.service }} burns its {{ $labels.slo }} error budget",
    description="{{ $labels.service }} {{ $labels.slo }}: error ratio "
                "{{ $value | humanizePercentage }} over the long window, on pace to spend 10% "
                "of the error budget in 1d or 3d.",
    dashboard=rn.DASHBOARD_SLOS,
    runbook=Runbook(
        meaning="The 1d / 3d windows (confirmed by 2h / 6h) burn the budget at 3x / 1x the "
                "sustainable rate for a 30-day period: a slow leak, not an outage.",
        impact="The SLO will be missed this period if nothing changes.",
        diagnose="SLOs dashboard: which window and since when; Errors dashboard for the error "
                 "mix; compare with deploys and traffic changes.",
        mitigate="Plan a fix in working hours; freeze risky changes until the burn stops.",
    ),
)
BUDGET_EXHAUSTED = Alert(
    name=rn.ALERT_SLO_BUDGET_EXHAUSTED, severity="warning", for_="5m",
    summary="{{ $labels.service }} has spent its {{ $labels.slo }} error budget",
    description="{{ $labels.service }} {{ $labels.slo }}: {{ $value | humanizePercentage }} of "
                "the error budget remains over the SLO period.",
    dashboard=rn.DASHBOARD_SLOS,
    runbook=Runbook(
        meaning="Over the whole SLO period the error ratio exceeds the budget: the objective "
                "is missed.",
        impact="The promise to users is broken for this period.",
        diagnose="SLOs dashboard: budget remaining and the burn history of the period.",
        mitigate="Apply the error-budget policy: freeze features, spend on reliability.",
    ),
)
ALERTS = (BURN_PAGE, BURN_TICKET, BUDGET_EXHAUSTED)


def burn_factor(slo: Slo, long_window: int, budget_share: float) -> float:
    """Return the burn rate spending `budget_share` of the budget in long_window, at least 1x.

    Below 1x the budget outlasts the period (the SLO is met), so a shorter period's slow
    windows (10% of a 7d budget in 3d is 0.23x) alert at 1x instead.
    """
    return max(1.0, round(budget_share * slo.period_seconds / long_window, 6))


def guard(slo: Slo, window: int) -> str:
    """Return the low-traffic guard: at least min_events events in the window."""
    events = select(rn.SLO_EVENTS_RATE5M, slo_selector(slo))
    return f"sum_over_time({events}{rng(window)}) * {EVALUATION_SECONDS} >= {slo.min_events}"


def burn_expr(slo: Slo, windows: tuple[tuple[int, int, float], ...]) -> str:
    """Return (long and short window over factor x budget, enough traffic) for each pair."""
    own = slo_selector(slo)
    pairs = []
    for long_window, short_window, share in windows:
        limit = number(round(burn_factor(slo, long_window, share) * slo.error_budget, 9))
        long_ratio = select(rn.slo_error_ratio(format_duration(long_window)), own)
        short_ratio = select(rn.slo_error_ratio(format_duration(short_window)), own)
        pairs.append(f"({long_ratio} > {limit} and {NO_WINDOW} {short_ratio} > {limit} "
                     f"and {NO_WINDOW} {guard(slo, long_window)})")
    return f"max without ({rn.LABEL_WINDOW}) ({f' or {NO_WINDOW} '.join(pairs)})"


def exhausted_expr(slo: Slo) -> str:
    """Return: no budget left over the period, with enough events to judge."""
    remaining = select(rn.SLO_ERROR_BUDGET_REMAINING, slo_selector(slo))
    return (f"max without ({rn.LABEL_WINDOW}) ({remaining} <= 0 and {NO_WINDOW} "
            f"{guard(slo, slo.period_seconds)})")


def slo_alert_rules(spec: Spec) -> list[AlertRule]:
    """Return page, ticket and budget-exhausted rules for every SLO."""
    rules = []
    for slo in spec.slos:
        own = {rn.LABEL_SERVICE: slo.service, rn.LABEL_SLO: slo.name}
        rules += [
            AlertRule(BURN_PAGE, constant(burn_expr(slo, PAGE_WINDOWS)), own),
            AlertRule(BURN_TICKET, constant(burn_expr(slo, TICKET_WINDOWS)), own),
            AlertRule(BUDGET_EXHAUSTED, constant(exhausted_expr(slo)), own),
        ]
    return rules


def generate(root: Path) -> Iterator[Artifact]:
    """Write the SLO alerts."""
    spec = spec_of(root)
    groups = rule_group("perfsight-slo-alerts", render_rules(spec, slo_alert_rules(spec)))
    if groups:
        yield Artifact(PATH, render_yaml({"groups": groups}))
