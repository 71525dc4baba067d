"""Replacing a file so that a reader (or a crash) sees the old bytes or the new, never a mix."""

from __future__ import annotations

import os
from pathlib import Path


def replace_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: a temp file beside it, fsync, rename over it,
    fsync of the directory (so the rename itself survives a crash). Concurrent writers of
    the same path must hold a lock: they share the temp file name."""
    temp = path.with_name(path.name + ".tmp")
    with temp.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temp, path)
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
