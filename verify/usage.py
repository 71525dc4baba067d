"""What the command-line tools share: the usage/I-O error (exit 2) and reading inputs."""

from __future__ import annotations

from pathlib import Path


class UsageError(Exception):
    """Bad arguments or unreadable input: exit 2."""


def read_text(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"{path}: {e}") from None
