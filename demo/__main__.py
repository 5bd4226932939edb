"""`python -m demo start|stop [--state-dir DIR]`: the demo stack behind `make demo`/`demo-stop`."""

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from demo.stack import start, stop_all

DEFAULT_STATE = Path("/tmp/perfsight-demo")


def main(argv: Sequence[str] | None = None) -> int:
    """Start or stop the demo stack."""
    parser = argparse.ArgumentParser(prog="python -m demo", description=__doc__)
    parser.add_argument("command", choices=("start", "stop"))
    parser.add_argument("--state-dir", type=Path, default=DEFAULT_STATE,
                        help=f"pid files, logs, configs and data (default {DEFAULT_STATE})")
    parser.add_argument("--scrape-interval", default="5s", help="Prometheus scrape interval")
    args = parser.parse_args(argv)
    if args.command == "start":
        try:
            stack = start(args.state_dir, args.scrape_interval)
        except (RuntimeError, TimeoutError, OSError) as error:
            print(f"demo failed to start: {error}", file=sys.stderr)
            return 1
        print((args.state_dir / "urls.txt").read_text(), end="")
        return 0 if stack.started else 1
    stopped = stop_all(args.state_dir)
    print(f"stopped {len(stopped)} processes: {', '.join(stopped) or 'none running'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
