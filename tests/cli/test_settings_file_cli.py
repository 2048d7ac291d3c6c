"""The CLI reports unusable settings files as usage or config errors, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.config.test_stack_file_loading import BILLION_LAUGHS

REPO = Path(__file__).resolve().parents[2]


def test_plan_reports_a_directory_and_an_alias_bomb_as_usage_errors(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    directory = subprocess.run(
        [sys.executable, "-m", "mailstack", "plan", "--config", str(tmp_path)],
        capture_output=True, text=True, cwd=REPO, env=env, timeout=120,
    )
    assert directory.returncode == 2
    assert "is a directory" in directory.stderr
    bomb = tmp_path / "Pulumi.bomb.yaml"
    bomb.write_text(BILLION_LAUGHS)
    result = subprocess.run(
        [sys.executable, "-m", "mailstack", "plan", "--config", str(bomb)],
        capture_output=True, text=True, cwd=REPO, env=env, timeout=120,
    )
    assert result.returncode == 2
    assert "YAML aliases (*a) are not supported" in result.stderr
    assert "line 5, column 12" in result.stderr and "Traceback" not in result.stderr


def test_a_date_outside_mailstack_reaches_the_program_as_the_text_written(tmp_path: Path) -> None:
    from mailstack.plan import run_plan

    stack = (REPO / "stacks/Pulumi.dev.yaml").read_text().replace(
        "config:\n", "config:\n  aws:defaultTags: {tags: {created: 2024-01-01}}\n", 1
    )
    path = tmp_path / "Pulumi.dated.yaml"
    path.write_text(stack)
    plan = run_plan(path)
    assert plan.stack == "dated" and plan.resources
