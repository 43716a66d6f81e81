"""README's two newcomer commands stay true: CI runs exactly the README's test command."""

from __future__ import annotations

import re

from tests.conftest import REPO_ROOT


def readme_commands() -> list[str]:
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```sh\n(.+?)\n```", text)[:2]


def test_readme_starts_with_install_and_start_then_install_and_test():
    start, test = readme_commands()
    assert "pip install -e ." in start and start.endswith("digitpad")
    assert "pytest" in test and ".ci/install" in test


def test_ci_runs_the_readme_test_command_verbatim():
    _, test = readme_commands()
    ci_lines = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test in ci_lines
