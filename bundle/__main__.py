"""`python -m bundle [--check]`: regenerate every artifact from perfsight.yaml, or report drift."""

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from bundle.artifacts import is_generated
from bundle.generate import OUTPUT_DIRS, generate_all
from exporters.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def plan(root: Path) -> tuple[dict[Path, str], list[Path]]:
    """Return the files to write and the stale generated files to delete."""
    wanted = {root / artifact.path: artifact.text for artifact in generate_all(root)}
    stale = [
        path
        for directory in OUTPUT_DIRS
        for path in sorted((root / directory).rglob("*"))
        if path.is_file() and path not in wanted and is_generated(path)
    ]
    return wanted, stale


def drift(root: Path) -> list[str]:
    """Describe every committed file that differs from what generation produces."""
    wanted, stale = plan(root)
    problems = [f"{path.relative_to(root)}: stale, no longer generated" for path in stale]
    for path, text in sorted(wanted.items()):
        if not path.exists():
            problems.append(f"{path.relative_to(root)}: missing")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"{path.relative_to(root)}: differs from generated output")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    """Write (or with --check, compare) every generated artifact."""
    parser = argparse.ArgumentParser(prog="python -m bundle", description=__doc__)
    parser.add_argument("--check", action="store_true", help="report drift, write nothing")
    args = parser.parse_args(argv)
    try:
        if args.check:
            problems = drift(ROOT)
            for problem in problems:
                print(problem, file=sys.stderr)
            return 1 if problems else 0
        wanted, stale = plan(ROOT)
    except ConfigError as error:
        print(error.render(), file=sys.stderr)
        return 2
    for path in stale:
        path.unlink()
    written = 0
    for path, text in sorted(wanted.items()):
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written += 1
    print(f"{len(wanted)} artifacts, {written} rewritten, {len(stale)} stale removed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
