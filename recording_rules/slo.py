"""SLO recording rules: error ratio per window, error budget remaining, burn rate, exhaustion."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bundle import names as rn
from bundle.artifacts import Artifact, render_yaml
from bundle.durations import UNIT_SECONDS, format_duration
from bundle.promql import labels, le_matcher, number, rng, select
from bundle.spec import LatencySli, ProbeSli, RatioSli, Sli, Slo, spec_of
from exporters.names import probe as pr

PATH = "recording_rules/generated/slo.yaml"
H, M = UNIT_SECONDS["h"], UNIT_SECONDS["m"]
RAW_WINDOWS = (5 * M, 30 * M, H, 2 * H, 6 * H)
DERIVED_WINDOWS = (24 * H, 72 * H)
BASE_WINDOW = 5 * M
# SLO groups run at a fixed interval so that events in a window are sum_over_time(rate5m) x it.
EVALUATION_SECONDS = 60


def bad_rate(sli: Sli, window: int) -> str:
    """Return bad events per second over a window (0 when no bad event happened)."""
    if isinstance(sli, RatioSli):
        return f"(sum(rate({sli.bad}{rng(window)})) or vector(0))"
    if isinstance(sli, LatencySli):
        fast = select(f"{sli.histogram}_bucket", sli.selector,
                      f'{rn.LABEL_LE}=~"{le_matcher(sli.threshold_seconds)}"')
        return f"({total_rate(sli, window)} - sum(rate({fast}{rng(window)})))"
    probes = select(pr.PROBE_SUCCESS, sli.selector)
    return (f"((sum(count_over_time({probes}{rng(window)})) - sum(sum_over_time({probes}"
            f"{rng(window)}))) / {window})")


def total_rate(sli: Sli, window: int) -> str:
    """Return events per second over a window."""
    if isinstance(sli, RatioSli):
        return f"sum(rate({sli.total}{rng(window)}))"
    if isinstance(sli, LatencySli):
        return f"sum(rate({select(f'{sli.histogram}_count', sli.selector)}{rng(window)}))"
    assert isinstance(sli, ProbeSli)
    probes = select(pr.PROBE_SUCCESS, sli.selector)
    return f"(sum(count_over_time({probes}{rng(window)})) / {window})"


def slo_selector(slo: Slo) -> str:
    """Return the matchers picking one SLO's recorded series."""
    return labels(**{rn.LABEL_SERVICE: slo.service, rn.LABEL_SLO: slo.name})


def slo_rules(slo: Slo) -> list[dict[str, Any]]:
    """Return every recording rule of one SLO, in evaluation order."""
    own = slo_selector(slo)
    period = format_duration(slo.period_seconds)

    def rule(record: str, expr: str, window: str | None) -> dict[str, Any]:
        extra = {rn.LABEL_WINDOW: window} if window else {}
        return {"record": record, "expr": expr,
                "labels": {rn.LABEL_SERVICE: slo.service, rn.LABEL_SLO: slo.name, **extra}}

    def from_base(window: int) -> str:
        return (f"sum_over_time({select(rn.SLO_BAD_EVENTS_RATE5M, own)}{rng(window)}) "
                f"/ sum_over_time({select(rn.SLO_EVENTS_RATE5M, own)}{rng(window)})")

    base = format_duration(BASE_WINDOW)
    rules = [
        rule(rn.SLO_BAD_EVENTS_RATE5M, bad_rate(slo.sli, BASE_WINDOW), base),
        rule(rn.SLO_EVENTS_RATE5M, total_rate(slo.sli, BASE_WINDOW), base),
        rule(rn.slo_error_ratio(base), f"{select(rn.SLO_BAD_EVENTS_RATE5M, own)} "
                                       f"/ {select(rn.SLO_EVENTS_RATE5M, own)}", base),
    ]
    rules += [
        rule(rn.slo_error_ratio(format_duration(window)),
             f"{bad_rate(slo.sli, window)} / {total_rate(slo.sli, window)}",
             format_duration(window))
        for window in RAW_WINDOWS[1:]
    ]
    rules += [
        rule(rn.slo_error_ratio(format_duration(window)), from_base(window),
             format_duration(window))
        for window in DERIVED_WINDOWS
    ]
    budget = number(slo.error_budget)
    remaining = select(rn.SLO_ERROR_BUDGET_REMAINING, own)
    burn = select(rn.SLO_BURN_RATE, own)
    rules += [
        rule(rn.SLO_ERROR_RATIO_PERIOD, from_base(slo.period_seconds), period),
        rule(rn.SLO_OBJECTIVE, f"vector({number(slo.objective_percent / 100)})", None),
        rule(rn.SLO_ERROR_BUDGET, f"vector({budget})", None),
        rule(rn.SLO_ERROR_BUDGET_REMAINING,
             f"1 - {select(rn.SLO_ERROR_RATIO_PERIOD, own)} / {budget}", period),
        rule(rn.SLO_BURN_RATE, f"{select(rn.slo_error_ratio('1h'), own)} / {budget}", "1h"),
        rule(rn.SLO_BUDGET_EXHAUSTION,
             f"({remaining} > 0) * {slo.period_seconds} / ignoring({rn.LABEL_WINDOW}) "
             f"({burn} > 0)", period),
    ]
    return rules


def generate(root: Path) -> Iterator[Artifact]:
    """Write one rule group per SLO."""
    groups = [
        {"name": f"perfsight-slo-{slo.service}-{slo.name}",
         "interval": format_duration(EVALUATION_SECONDS), "rules": slo_rules(slo)}
        for slo in spec_of(root).slos
    ]
    if groups:
        yield Artifact(PATH, render_yaml({"groups": groups}))
