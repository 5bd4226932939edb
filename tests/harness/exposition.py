"""Read a text exposition into {family: (type, label names)} for comparisons."""

from prometheus_client.parser import text_string_to_metric_families


def family_shapes(text: str) -> dict[str, tuple[str, frozenset[str]]]:
    """Map each metric family to its type and the union of its samples' label names."""
    shapes: dict[str, tuple[str, frozenset[str]]] = {}
    for family in text_string_to_metric_families(text):
        labels = frozenset(key for sample in family.samples for key in sample.labels)
        shapes[family.name] = (family.type, labels)
    return shapes
