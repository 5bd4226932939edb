"""Errors that carry every problem found in one input, so users fix them all at once."""

from collections.abc import Iterable


class ConfigError(Exception):
    """Report every problem found in one configuration source."""

    def __init__(self, source: str, problems: Iterable[str]) -> None:
        self.source = source
        self.problems = list(problems)
        super().__init__(self.render())

    def render(self) -> str:
        """Return the human-readable report: a header line, then one problem per line."""
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        lines = [f"{self.source}: {count} {noun}:"]
        lines.extend(f"  - {problem}" for problem in self.problems)
        return "\n".join(lines)
