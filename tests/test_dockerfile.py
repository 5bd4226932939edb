"""The Dockerfile's invariants: slim base, runtime deps only, non-root user, `perfsight serve`."""

import json
import re
import tomllib
from pathlib import Path

import yaml

from exporters.cli import DEFAULT_PORT

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """Return (INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    pairs = []
    for raw in text.splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            pairs.append((keyword.upper(), rest.strip()))
    return pairs


def final_stage() -> list[tuple[str, str]]:
    steps = instructions()
    last_from = max(i for i, (keyword, _) in enumerate(steps) if keyword == "FROM")
    return steps[last_from:]


def test_base_image_is_slim_python() -> None:
    arguments = dict(rest.split("=", 1) for keyword, rest in instructions() if keyword == "ARG")
    assert re.fullmatch(r"python:3\.1[1-9]-slim(-\w+)?", arguments["PYTHON_IMAGE"])
    assert final_stage()[0] == ("FROM", "${PYTHON_IMAGE}")


def test_runs_as_the_non_root_user_the_chart_expects() -> None:
    users = [rest for keyword, rest in final_stage() if keyword == "USER"]
    assert users, "the final stage must set USER"
    uid, _, gid = users[-1].partition(":")
    assert uid not in {"0", "root"} and gid not in {"0", "root"}
    values = yaml.safe_load((ROOT / "helm" / "perfsight" / "values.yaml").read_text())
    assert int(uid) == values["podSecurityContext"]["runAsUser"]
    assert int(gid) == values["podSecurityContext"]["runAsGroup"]


def test_entrypoint_is_perfsight_serve_on_the_default_port() -> None:
    steps = dict(final_stage()[1:])
    assert json.loads(steps["ENTRYPOINT"]) == ["perfsight"]
    assert json.loads(steps["CMD"]) == ["serve"]
    assert steps["EXPOSE"] == str(DEFAULT_PORT)


def test_installs_only_the_runtime_package() -> None:
    pip_runs = [rest for keyword, rest in instructions()
                if keyword == "RUN" and "pip install" in rest]
    assert pip_runs
    for run in pip_runs:
        assert "[dev]" not in run and " -e " not in run and "requirements" not in run
    final_runs = [rest for keyword, rest in final_stage() if keyword == "RUN"]
    assert not final_runs, "the final stage only copies the built virtualenv"


def test_build_context_holds_what_the_package_build_needs() -> None:
    copied = {part for keyword, rest in instructions() if keyword == "COPY"
              and "--from" not in rest for part in rest.split()[:-1]}
    assert copied == {"pyproject.toml", "README.md", "exporters"}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["readme"] in copied
    assert project["tool"]["setuptools"]["packages"]["find"]["include"] == ["exporters*"]
    patterns = [line for line in (ROOT / ".dockerignore").read_text().splitlines()
                if line and not line.startswith("#")]
    assert patterns[0] == "*", "the context starts from nothing"
    assert {"!pyproject.toml", "!README.md", "!exporters/"} <= set(patterns)
