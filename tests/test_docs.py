"""Docs tested against code (sqlite-utils style): every command is documented and helpful."""

from __future__ import annotations

from pathlib import Path

import pytest

from figtrace.cli import main

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(main.all_commands()))
def test_every_command_is_in_the_readme_and_has_help(name: str) -> None:
    assert f"figtrace {name}" in README, f"README.md does not show `figtrace {name}`"
    cmd = main.all_commands()[name]
    assert (cmd.help or "").strip(), f"`figtrace {name}` has no help text"
    for param in cmd.params:
        if param.name not in ("help",) and getattr(param, "param_type_name", "") == "option":
            assert (param.help or "").strip(), f"`figtrace {name}` option {param.opts} has no help text"


def test_the_first_screen_gives_the_two_commands() -> None:
    first_screen = "\n".join(README.splitlines()[:15])
    assert "make demo" in first_screen and "make test" in first_screen
