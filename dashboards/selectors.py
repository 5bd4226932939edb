"""Label matchers for the template variables, and the per-SLO view of recorded SLO series."""

# the series of the instances picked in $job and $instance
HOSTS = 'job=~"$job",instance=~"$instance"'
# the SLO series of the services picked in $service
SERVICES = 'service=~"$service"'
# filesystems worth watching (node_exporter's pseudo-filesystem exclusions aside)
FILESYSTEMS = f'{HOSTS},fstype!~"tmpfs|ramfs|squashfs"'


def per_slo(record: str, matchers: str = SERVICES) -> str:
    """Return one series per SLO of a recorded SLO series (its window label dropped)."""
    return f"max by (service, slo) ({record}{{{matchers}}})"
