"""Log a target's query groups as they start failing and come back, one line each way."""

import logging

from exporters.multitarget.base import Target

log = logging.getLogger(__name__)


class GroupLog:
    """Remember each (target, group)'s last error; log only the changes, grouped per probe."""

    def __init__(self, prober_name: str) -> None:
        self._name = prober_name
        self._errors: dict[tuple[str, str], str] = {}

    def report(self, target: Target, errors: dict[str, str | None]) -> None:
        """Record one probe's per-group outcome: None for success, else a secret-free error."""
        failing: dict[str, list[str]] = {}
        back: list[str] = []
        for group, error in errors.items():
            key = (target.name, group)
            previous = self._errors.pop(key, None)
            if error is not None:
                self._errors[key] = error
                if error != previous:
                    failing.setdefault(error, []).append(group)
            elif previous is not None:
                back.append(group)
        if failing:
            log.warning(
                "%s target %s: metrics left out: %s", self._name, target.name,
                "; ".join(f"{', '.join(groups)} ({error})" for error, groups in failing.items()),
            )
        if back:
            log.info("%s target %s: metrics back: %s", self._name, target.name, ", ".join(back))
