"""Label matchers for the template variables, and the selections and rates built on them."""

from dashboards.style import RATE
from recording_rules.use import REAL_FILESYSTEMS

# the series of the instances picked in $job and $instance
HOSTS = 'job=~"$job",instance=~"$instance"'
# the SLO series of the services picked in $service
SERVICES = 'service=~"$service"'
# filesystems worth watching: the ones the recording rules and alerts watch
FILESYSTEMS = f"{HOSTS},{REAL_FILESYSTEMS}"


def per_slo(record: str, matchers: str = SERVICES) -> str:
    """Return one series per SLO of a recorded SLO series (its window label dropped)."""
    return f"max by (service, slo) ({record}{{{matchers}}})"


def selected(metric: str, matchers: str = HOSTS) -> str:
    """Return a metric or recorded series of the selected instances."""
    return f"{metric}{{{matchers}}}"


def per_second(counter: str, by: str = "instance", matchers: str = HOSTS) -> str:
    """Return a counter's per-second rate of the selected instances, summed by labels."""
    return f"sum by ({by}) (rate({selected(counter, matchers)}[{RATE}]))"
