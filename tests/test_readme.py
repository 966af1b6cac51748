"""The README cannot drift from the CLI: its command table names every command and every option, and its exit codes are the CLI's.

Checked against the commands themselves (click's own declaration, the same that `--help` prints), the way
sqlite-utils keeps its CLI documentation honest.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from planner import cli
from planner.commands import shared

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    start = README.index(f"\n{title}\n")
    following = re.search(r"\n#{2,3} ", README[start + len(title) + 2:])
    return README[start: start + len(title) + 2 + (following.start() if following else len(README))]


def _command_rows() -> dict[str, str]:
    rows = {}
    for line in _section("## Commands").splitlines():
        m = re.match(r"\| `tierplan (\w+)([^`]*)` \|", line)
        if m:
            assert m.group(1) not in rows, f"README lists {m.group(1)} twice"
            rows[m.group(1)] = m.group(2)
    return rows


def test_the_readme_lists_exactly_the_commands_there_are():
    assert sorted(_command_rows()) == sorted(cli.app.commands)


@pytest.mark.parametrize("name", sorted(cli.app.commands))
def test_every_option_of_a_command_is_in_its_readme_row(name):
    row = _command_rows()[name]
    command: click.Command = cli.app.commands[name]
    arguments = 0  # `tierplan diff OLD NEW` has two: the README row names them in order
    for param in command.params:
        if isinstance(param, click.Argument):
            shown = param.metavar if param.required or param.metavar.startswith("[") else f"[{param.metavar}]"  # optional: in brackets
            assert row.split()[arguments] == shown, (name, shown)
            arguments += 1
            continue
        assert param.opts[0] in row, f"README's row for `tierplan {name}` does not mention {param.opts[0]}"


@pytest.mark.parametrize("name", sorted(cli.app.commands))
def test_every_option_in_the_readme_exists_in_the_help(name):
    row = _command_rows()[name]
    shown = subprocess.run([sys.executable, "-m", "planner", name, "--help"], capture_output=True, text=True, timeout=60).stdout
    for option in re.findall(r"--[a-z][a-z-]*", row):
        assert option in shown, f"README shows `tierplan {name} {option}`, which --help does not know"


def test_the_readme_exit_codes_are_the_clis():
    table = dict(re.findall(r"^\| (\d) \| (.+?) \|$", _section("### Exit codes"), flags=re.M))
    assert sorted(map(int, table)) == sorted({shared.EXIT_OK, shared.EXIT_OURS, shared.EXIT_USER_ERROR, shared.EXIT_NO_PLAN})
    assert "no plan fits" in table[str(shared.EXIT_NO_PLAN)]
    assert "bad input" in table[str(shared.EXIT_USER_ERROR)]
    assert "error of ours" in table[str(shared.EXIT_OURS)]


def test_the_two_setup_commands_are_the_scripts_and_ci_runs_the_second():
    setup = _section("## Set-up: two commands")
    commands = re.findall(r"^(bash scripts/\S+)", setup, flags=re.M)
    assert commands == ["bash scripts/demo.sh", "bash scripts/test.sh"]
    assert "bash scripts/test.sh" in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()


def test_the_test_command_runs_ruff_and_mypy_before_the_tests_and_stops_on_a_failure():
    test_sh = (ROOT / "scripts" / "test.sh").read_text(encoding="utf-8").splitlines()
    check_sh = (ROOT / "scripts" / "check.sh").read_text(encoding="utf-8")
    runs = [line for line in test_sh if line and not line.startswith("#")]
    check_at = next(i for i, line in enumerate(runs) if line.startswith('bash scripts/check.sh "$venv"'))
    pytest_at = next(i for i, line in enumerate(runs) if "-m pytest" in line)
    assert check_at < pytest_at
    assert "exit 1" in runs[check_at]  # a failed check stops the command (set -e does not reach into `||`)
    # the paths the README and COMMON rules name, and mypy with pyproject's configuration (no paths: `packages` there)
    assert '"$venv/bin/ruff" check planner tests benchmarks scripts || failed+=' in check_sh
    assert '"$venv/bin/mypy" || failed+=("mypy")' in check_sh
    assert 'echo "FAILED static check: $check"' in check_sh and "exit 1" in check_sh
    developers = _section("## For developers")
    assert "ruff check planner tests benchmarks scripts" in developers and "`mypy`" in developers
