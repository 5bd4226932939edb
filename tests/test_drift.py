"""Committed generated artifacts equal what `make dashboards` would write now."""

from pathlib import Path

from bundle.__main__ import drift, plan

ROOT = Path(__file__).resolve().parent.parent


def test_committed_artifacts_match_generation() -> None:
    problems = drift(ROOT)
    assert not problems, "run `make dashboards` and commit:\n" + "\n".join(problems)


def test_generation_is_deterministic() -> None:
    first, _ = plan(ROOT)
    second, _ = plan(ROOT)
    assert first == second
    for path, text in first.items():
        assert text.endswith("\n"), path
