"""Small PromQL builders shared by the rule generators."""

from bundle.durations import format_duration


def select(metric: str, *matchers: str) -> str:
    """Return ``metric{m1,m2}`` from label-matcher strings, skipping empty ones."""
    inner = ",".join(m for m in matchers if m)
    return f"{metric}{{{inner}}}"


def labels(**pairs: str) -> str:
    """Return equality matchers ``a="x",b="y"`` for fixed label values."""
    return ",".join(f'{key}="{value}"' for key, value in pairs.items())


def rng(seconds: int) -> str:
    """Return a range selector suffix such as ``[5m]``."""
    return f"[{format_duration(seconds)}]"


def number(value: float) -> str:
    """Return a number as PromQL writes it: no trailing ``.0``, no exponent for typical values."""
    text = repr(round(float(value), 12))
    if "e" in text:
        text = f"{value:.15f}".rstrip("0")
    return text.removesuffix(".0")


def le_matcher(bound: float) -> str:
    """Return a regex matching a bucket bound as Go (``1``) and Python (``1.0``) print it."""
    spellings = sorted({number(bound), repr(float(bound))})
    return "|".join(s.replace(".", "\\\\.") for s in spellings)
