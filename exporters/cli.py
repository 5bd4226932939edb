"""The perfsight command line: `serve` and `check-config`, with Go-exporter-style flags."""

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

import psutil

from exporters import __version__, logs
from exporters.config import load_settings
from exporters.errors import ConfigError
from exporters.host import HostPaths
from exporters.multitarget.runner import ProbeRunner
from exporters.probes import guard
from exporters.probes.scheduler import Scheduler
from exporters.registry import COLLECTORS, Scraper, build_collectors
from exporters.server import ExporterHTTPServer
from exporters.webconfig import WebConfig, load_web_config

DEFAULT_PORT = 10099
DEFAULT_LISTEN_ADDRESS = f":{DEFAULT_PORT}"
EXIT_CONFIG = 2
log = logging.getLogger("perfsight")


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser; collector flags come from the collector table."""
    parser = argparse.ArgumentParser(prog="perfsight", description=__doc__)
    parser.add_argument("--version", action="version", version=f"perfsight {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve metrics over HTTP")
    serve.add_argument(
        "--web.listen-address", dest="listen_address", default=DEFAULT_LISTEN_ADDRESS,
        help=f"address to listen on, host:port (default {DEFAULT_LISTEN_ADDRESS})",
    )
    serve.add_argument(
        "--web.telemetry-path", dest="telemetry_path", default="/metrics",
        help="path under which to expose metrics (default /metrics)",
    )
    serve.add_argument(
        "--web.config.file", dest="web_config_file", default=None,
        help="exporter-toolkit web config enabling TLS and/or basic auth",
    )
    serve.add_argument(
        "--web.disable-exporter-metrics", dest="disable_exporter_metrics",
        action="store_true", help="leave out perfsight_build_info and process_* self-metrics",
    )
    serve.add_argument(
        "--config.file", dest="config_file", default=None,
        help="perfsight config file (default: embedded configuration)",
    )
    serve.add_argument("--path.procfs", dest="procfs", default="/proc", help="procfs mount")
    serve.add_argument("--path.sysfs", dest="sysfs", default="/sys", help="sysfs mount")
    serve.add_argument("--path.rootfs", dest="rootfs", default="/", help="host root mount")
    serve.add_argument(
        "--collector.disable-defaults", dest="disable_defaults", action="store_true",
        help="disable every collector not enabled explicitly with --collector.NAME",
    )
    for spec in COLLECTORS:
        serve.add_argument(
            f"--collector.{spec.name}", dest=f"collector_{spec.name}",
            action=argparse.BooleanOptionalAction, default=None,
            help=f"{spec.help} (default {'on' if spec.default_enabled else 'off'})",
        )
    _add_log_flags(serve)

    check = commands.add_parser("check-config", help="validate a config file and exit")
    check.add_argument("file", help="perfsight config file")
    check.add_argument("--web.config.file", dest="web_config_file", default=None)
    return parser


def _add_log_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--log.level", dest="log_level", choices=logs.LEVELS, default="info")
    parser.add_argument(
        "--log.format", dest="log_format", choices=("logfmt", "json"), default="logfmt"
    )


def enabled_collectors(args: argparse.Namespace) -> list[str]:
    """Resolve --collector.X/--no-collector.X/--collector.disable-defaults against the table."""
    enabled = []
    for spec in COLLECTORS:
        explicit = getattr(args, f"collector_{spec.name}")
        default = spec.default_enabled and not args.disable_defaults
        if (default if explicit is None else explicit):
            enabled.append(spec.name)
    return enabled


def parse_listen_address(value: str) -> tuple[str, int]:
    """Split host:port ([v6]:port, or :port for every IPv4 address) into a bind address."""
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or int(port) > 65535:
        raise ConfigError("--web.listen-address", [f"{value!r}: expected host:port"])
    return host.strip("[]") or "0.0.0.0", int(port)


def serve(args: argparse.Namespace) -> int:
    """Run the exporter until SIGINT or SIGTERM."""
    logs.configure(args.log_level, args.log_format)
    try:
        settings = load_settings(args.config_file)
        web = load_web_config(args.web_config_file) if args.web_config_file else WebConfig()
        address = parse_listen_address(args.listen_address)
    except ConfigError as error:
        print(error.render(), file=sys.stderr)
        return EXIT_CONFIG
    psutil.PROCFS_PATH = args.procfs  # psutil's procfs is process-wide; bind it once, here
    paths = HostPaths(Path(args.procfs), Path(args.sysfs), Path(args.rootfs))
    enabled = enabled_collectors(args)
    scraper = Scraper(build_collectors(enabled, paths, settings))
    address_guard = guard.AddressGuard(settings.probe_guard, listen=address)
    guard.install(address_guard)
    probes = ProbeRunner(settings.modules, settings.targets, guard=address_guard.for_runner)
    scheduled = Scheduler(probes, settings.probe_scheduler)
    try:
        server = ExporterHTTPServer(
            address, scraper, web,
            probes=probes,
            telemetry_path=args.telemetry_path,
            default_timeout_seconds=settings.scrape_timeout_seconds,
            exporter_metrics=not args.disable_exporter_metrics,
        )
    except OSError as error:
        log.error("cannot listen on %s: %s", args.listen_address, error.strerror)
        return 1
    server.own_metrics.append(scheduled)
    probes.prepare()  # before the listener answers ready: first probes must not pay imports
    scheduled.start()
    stop = threading.Event()

    def _shutdown(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s, shutting down", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, _shutdown)
    signal.signal(signal.SIGINT, _shutdown)
    thread = threading.Thread(target=server.serve_forever, name="http", daemon=True)
    thread.start()
    log.info(
        "perfsight %s listening on %s%s with collectors: %s",
        __version__, server.url, args.telemetry_path, ", ".join(enabled),
    )
    stop.wait()
    server.shutdown()
    server.server_close()
    scraper.close()
    scheduled.close()
    probes.close()
    return 0


def check_config(args: argparse.Namespace) -> int:
    """Validate config files; print every problem and return 2 when there is any."""
    problems = []
    for loader, path in ((load_settings, args.file), (load_web_config, args.web_config_file)):
        if path is None:
            continue
        try:
            loader(path)
        except ConfigError as error:
            problems.append(error.render())
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return EXIT_CONFIG
    print(f"{args.file}: OK")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the perfsight command line."""
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    return check_config(args)


if __name__ == "__main__":
    sys.exit(main())
