"""Read a text exposition into {family: (type, label names)}; lint it with promtool."""

import subprocess
from collections.abc import Collection

from prometheus_client.parser import text_string_to_metric_families

from tests.harness.servers import require_binary


def promtool_problems(text: str, allowed: Collection[str] = ()) -> list[str]:
    """Return `promtool check metrics`' complaints about text, except on the allowed names."""
    result = subprocess.run(
        [require_binary("promtool"), "check", "metrics"],
        input=text, capture_output=True, text=True, check=False,
    )
    lines = [line for line in (result.stderr + result.stdout).splitlines() if line.strip()]
    assert lines or result.returncode == 0, f"promtool failed silently ({result.returncode})"
    return [line for line in lines if line.split()[0] not in allowed]


def family_shapes(text: str) -> dict[str, tuple[str, frozenset[str]]]:
    """Map each family, by the name its `# TYPE` line exposes, to its type and label names.

    The exposed name is the key, not the parser's family name (which drops a counter's
    `_total`): a gauge `x_total` and a counter `x_total` must meet as one name, type differing.
    """
    labels = {
        family.name: frozenset(key for sample in family.samples for key in sample.labels)
        for family in text_string_to_metric_families(text)
    }
    shapes: dict[str, tuple[str, frozenset[str]]] = {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            name, kind = line.split()[2:4]
            family = name.removesuffix("_total") if kind == "counter" else name
            shapes[name] = (kind, labels.get(family, frozenset()))
    return shapes
