"""`daoban`: every subcommand is there, a command loads only what it runs, a broken subcommand module says so."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from importlib import import_module

import pytest

from bot.cli import main as cli


def _loaded_after_parsing(*argv: str) -> set[str]:
    code = ("import json, sys\nfrom bot.cli.main import build_parser\n"
            f"build_parser({list(argv)!r})\nprint(json.dumps(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    return set(json.loads(out.stdout))


def _commands(parser: argparse.ArgumentParser) -> set[str]:
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return set(sub.choices)


def test_help_lists_every_subcommand() -> None:
    assert _commands(cli.build_parser()) == {*cli.BUILTIN_COMMANDS, *cli.SUBCOMMANDS}


def test_each_module_registers_the_commands_the_table_names() -> None:
    for module in set(cli.SUBCOMMANDS.values()):
        parser = argparse.ArgumentParser()
        import_module(module).register(parser.add_subparsers())
        assert _commands(parser) == {c for c, m in cli.SUBCOMMANDS.items() if m == module}, module


def test_ask_loads_neither_the_server_nor_voice() -> None:
    loaded = _loaded_after_parsing("ask", "身份证丢了")
    assert not {m for m in loaded if m.split(".")[0] in ("fastapi", "uvicorn", "voice")}
    assert not {m for m in loaded if m.startswith(("bot.cli.", "bot.server", "bot.channels"))} - {"bot.cli.main"}


def test_serve_loads_neither_voice_nor_the_terminal_chat() -> None:
    loaded = _loaded_after_parsing("serve", "--port", "8080")
    assert "bot.cli.serve" in loaded
    assert not {m for m in loaded if m.split(".")[0] == "voice" or m in ("bot.cli.chat", "bot.cli.voice")}


@pytest.mark.parametrize("argv", [["broken"], None])
def test_a_subcommand_module_that_cannot_be_imported_is_an_error(monkeypatch: pytest.MonkeyPatch,
                                                                  argv: list[str] | None) -> None:
    monkeypatch.setitem(cli.SUBCOMMANDS, "broken", "bot.cli.no_such_module")
    with pytest.raises(ImportError):
        cli.build_parser(argv)
