"""Running ``gongshi serve`` as a real process for end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ledger.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def server_env(settings: Settings) -> dict[str, str]:
    assert settings.vault_key_hex is not None
    return {
        **os.environ, "GONGSHI_HOME": str(settings.home),
        "GONGSHI_DATABASE_URL": settings.database.url,
        "GONGSHI_VAULT_KEY": settings.vault_key_hex, "GONGSHI_LOG_ORIGIN": settings.origin,
    }  # fmt: skip


@contextmanager
def serving(settings: Settings, workers: int = 1) -> Iterator[str]:
    """``gongshi serve`` on a free port until the block ends; yields its base URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--port", str(port), "--workers", str(workers)],
        cwd=ROOT, env=server_env(settings), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read().decode() if process.stdout else ""
                    raise RuntimeError(f"gongshi serve did not start:\n{output}") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(30)
