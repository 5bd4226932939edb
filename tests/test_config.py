"""The config file is validated all at once: every problem is reported with its path."""

import subprocess
import sys
from pathlib import Path

import pytest

from exporters.config import Settings, load_settings, parse_settings
from exporters.errors import ConfigError

VALID = """
scrape:
  timeout_seconds: 5
collectors:
  filesystem:
    fs_types_exclude: "^(tmpfs|proc)$"
  process:
    top_n: 3
    max_processes: 10
    groups:
      - name: databases
        comm: [postgres, mariadbd]
      - name: workers
        cmdline: "celery.*worker"
"""

THREE_PROBLEMS = """
scrape:
  timeout_seconds: -1
collectors:
  filesystem:
    fs_types_exclude: "([unclosed"
  process:
    top_n: 3
    colour: blue
"""


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "perfsight.yml"
    path.write_text(text)
    return str(path)


def test_no_file_means_the_embedded_defaults() -> None:
    assert load_settings(None) == Settings()


def test_a_valid_file_is_read_into_typed_settings(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, VALID))
    assert settings.scrape_timeout_seconds == 5
    assert settings.filesystem_fs_types_exclude == "^(tmpfs|proc)$"
    assert settings.process.top_n == 3
    assert [g.name for g in settings.process.groups] == ["databases", "workers"]
    assert settings.process.groups[0].comm == {"postgres", "mariadbd"}


def test_three_different_errors_are_all_reported_with_their_paths(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, THREE_PROBLEMS))
    problems = caught.value.problems
    assert len(problems) == 3
    assert any(p.startswith("scrape.timeout_seconds:") for p in problems)
    assert any(
        p.startswith("collectors.filesystem.fs_types_exclude: invalid regular expression")
        for p in problems
    )
    assert "collectors.process.colour: unknown field" in problems


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ([1, 2], "(top level): must be a mapping"),
        ({"collectors": {"process": {"groups": [{"comm": ["x"]}]}}},
         "collectors.process.groups[0].name: must be a non-empty string"),
        ({"collectors": {"process": {"groups": [{"name": "g"}]}}},
         "collectors.process.groups[0]: needs 'comm' or 'cmdline' to match any process"),
        ({"collectors": {"process": {"top_n": True}}},
         "collectors.process.top_n: must be a positive integer, got True"),
        ({"collectors": {"process": {"groups": [{"name": "a", "comm": ["x"]},
                                                {"name": "a", "comm": ["y"]}]}}},
         "collectors.process.groups[1].name: duplicate group 'a'"),
    ],
)
def test_each_rule_names_the_offending_path(data: object, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_settings(data)
    assert expected in caught.value.problems


def test_unreadable_and_malformed_files_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read file"):
        load_settings(str(tmp_path / "missing.yml"))
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_settings(write(tmp_path, "scrape: [unclosed"))


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "exporters", *args], capture_output=True, text=True, check=False
    )


def test_check_config_exits_2_listing_every_problem(tmp_path: Path) -> None:
    result = run_cli("check-config", write(tmp_path, THREE_PROBLEMS))
    assert result.returncode == 2
    assert "3 problems" in result.stderr
    assert result.stderr.count("\n  - ") == 3


def test_check_config_accepts_a_valid_file(tmp_path: Path) -> None:
    result = run_cli("check-config", write(tmp_path, VALID))
    assert result.returncode == 0, result.stderr


def test_serve_refuses_a_bad_config_before_listening(tmp_path: Path) -> None:
    result = run_cli("serve", "--config.file", write(tmp_path, THREE_PROBLEMS),
                     "--web.listen-address", "127.0.0.1:0")
    assert result.returncode == 2
    assert "collectors.process.colour: unknown field" in result.stderr
