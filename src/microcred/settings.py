"""Where state lives. The one place that turns environment settings into paths."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_path

HOME_ENV = "MICROCRED_HOME"
PASSPHRASE_ENV = "MICROCRED_KEY_PASSPHRASE"
DATABASE_ENV = "MICROCRED_DB"


def default_home() -> Path:
    """``$MICROCRED_HOME``, else the user's data directory (e.g. ~/.local/share/microcred)."""
    configured = os.environ.get(HOME_ENV)
    return Path(configured) if configured else user_data_path("microcred", appauthor=False)


LEDGER_FILE = "ledger.json"
EMBEDDED_LEDGER_DIR = "ledger"


@dataclass(frozen=True)
class LedgerSettings:
    """Which ledger the issuer anchors on: the embedded one (a directory) or a node URL."""

    location: str
    chain_id: int | None = None
    contract: str | None = None

    @property
    def is_embedded(self) -> bool:
        return not self.location.startswith(("http://", "https://"))


def ledger_settings(home: Path) -> LedgerSettings:
    """``<home>/ledger.json`` if present, else the embedded ledger in ``<home>/ledger``."""
    path = home / LEDGER_FILE
    if not path.exists():
        return LedgerSettings(location=str(home / EMBEDDED_LEDGER_DIR))
    data = json.loads(path.read_text("utf-8"))
    return LedgerSettings(data["location"], data.get("chainId"), data.get("contract"))


def save_ledger_settings(home: Path, settings: LedgerSettings) -> None:
    home.mkdir(parents=True, exist_ok=True)
    data = {
        "location": settings.location,
        "chainId": settings.chain_id,
        "contract": settings.contract,
    }
    tmp = home / (LEDGER_FILE + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", "utf-8")
    os.replace(tmp, home / LEDGER_FILE)
