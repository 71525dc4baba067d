"""Subprocess body for the log's fault and concurrency tests.

python -m tests.support.log_worker integrate URL HOME VAULT_KEY BATCH
python -m tests.support.log_worker write URL HOME VAULT_KEY COUNT TAG
"""

from __future__ import annotations

import sys
from pathlib import Path

from ledger.actor import Actor, Role
from ledger.ledger import open_ledger
from ledger.settings import Settings, parse_database_url


def main(argv: list[str]) -> None:
    mode, url, home, key, number = argv[:5]
    ledger = open_ledger(Settings(Path(home), parse_database_url(url), key))
    try:
        if mode == "integrate":
            while ledger.log.integrate_step(int(number)):
                pass
        elif mode == "write":
            actor = Actor(f"intake-{argv[5]}", Role.INTAKE)
            for i in range(int(number)):
                ledger.register_subject({"name": f"{argv[5]}-{i}"}, "worker", actor)
                if i % 5 == 4:
                    ledger.log.integrate_step(3)
        else:
            raise SystemExit(f"unknown mode {mode}")
    finally:
        ledger.close()


if __name__ == "__main__":
    main(sys.argv[1:])
