"""What every `microcred` command shares: the home, the records database, the passphrase."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import click

from microcred.settings import PASSPHRASE_ENV
from microcred.store import Store, default_store_url, open_store

EXIT_NOT_VERIFIED = 1
EXIT_BAD_INPUT = 3
EXIT_PENDING = 4


@dataclass(frozen=True)
class AppContext:
    home: Path
    database_url: str | None = None

    def passphrase(self, *, confirm: bool) -> str:
        return passphrase(confirm=confirm)

    def store(self) -> Store:
        return open_store(self.database_url or default_store_url(self.home))


def fail(message: str) -> NoReturn:
    click.echo(click.style("error: ", fg="red", bold=True) + message, err=True)
    sys.exit(EXIT_BAD_INPUT)


def passphrase(*, confirm: bool) -> str:
    from_env = os.environ.get(PASSPHRASE_ENV)
    if from_env:
        return from_env
    if not sys.stdin.isatty():
        fail(f"no passphrase: set {PASSPHRASE_ENV} or run interactively")
    value: str = click.prompt(
        "Key passphrase", hide_input=True, confirmation_prompt=confirm, err=True
    )
    return value
