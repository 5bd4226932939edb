"""The one prober table: every kind `/probe` modules can use, one row each."""

from exporters.multitarget.base import ProberKind

KINDS: tuple[ProberKind, ...] = ()
KINDS_BY_NAME = {kind.name: kind for kind in KINDS}
