"""The README documents every setting and every command."""

from __future__ import annotations

from pathlib import Path

from mirror.cli import build_parser
from mirror.settings import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_every_setting_is_documented_in_the_readme() -> None:
    missing = [name for name in Settings.model_fields if f"`MBMIRROR_{name.upper()}`" not in README]
    assert missing == []


def test_every_command_is_documented_in_the_readme() -> None:
    parser = build_parser()
    subcommands = next(a for a in parser._actions if a.dest == "command").choices
    assert subcommands is not None
    missing = [name for name in subcommands if f"`mbmirror {name}" not in README]
    assert missing == []
