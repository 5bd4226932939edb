"""Log a target's query groups as they start failing and come back, one line each way."""

import logging

from exporters.multitarget.base import Remembered, Target

log = logging.getLogger(__name__)


class GroupLog:
    """Remember each (target, group)'s last error; log only the changes, grouped per probe."""

    def __init__(self, prober_name: str) -> None:
        self._name = prober_name
        self._errors: Remembered[dict[str, str]] = Remembered()

    def report(self, target: Target, errors: dict[str, str | None]) -> None:
        """Record one probe's per-group outcome: None for success, else a secret-free error."""
        failing: dict[str, list[str]] = {}
        back: list[str] = []
        now = {group: error for group, error in errors.items() if error is not None}
        before = self._errors.swap(target.name, now) or {}
        for group, error in errors.items():
            previous = before.get(group)
            if error is not None and error != previous:
                failing.setdefault(error, []).append(group)
            elif error is None and previous is not None:
                back.append(group)
        if failing:
            log.warning(
                "%s target %s: metrics left out: %s", self._name, target.name,
                "; ".join(f"{', '.join(groups)} ({error})" for error, groups in failing.items()),
            )
        if back:
            log.info("%s target %s: metrics back: %s", self._name, target.name, ", ".join(back))
