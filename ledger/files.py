"""Private files under GONGSHI_HOME: directories 0700, files 0600, created that way.

The SQLite database, its ``-wal`` and ``-shm``, and ``keys/`` hold personal data or what
opens it (the vault key beside ciphertexts decrypts them), so nobody but the owner may read
them. SQLite gives ``-wal``, ``-shm`` and ``-journal`` the main file's mode, so creating the
main file 0600 before SQLite opens it is enough for the files SQLite makes later.

Existing paths with looser modes:
- a *file* we own (the database and its companions, a key) is tightened to 0600, with a
  warning naming the path and both modes: it is ours alone and readable data is the risk;
- a *directory* that already exists is left as it is, with a warning: it may be a place the
  operator chose and shares on purpose (a home directory, /srv), and changing its mode could
  lock others out of things that are not ours.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)
_warned: set[Path] = set()  # a loose directory is reported once per process, not per open

DIR_MODE = 0o700
FILE_MODE = 0o600
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) with mode 0700; warn if it exists and group or
    others may enter it. Returns ``path``. Requires that ``path`` is not an existing file."""
    missing = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=DIR_MODE)
        except FileExistsError:  # created meanwhile by another process: judged below
            continue
        os.chmod(directory, DIR_MODE)  # mkdir's mode is reduced by the umask, never raised
    mode = stat.S_IMODE(path.stat().st_mode)
    if path not in missing and mode & 0o077 and path not in _warned:
        _warned.add(path)
        log.warning(
            "%s has mode %o: group or others can reach the ledger's files (chmod 700 it)",
            path, mode,
        )  # fmt: skip
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty with mode 0600 if it is missing (its directory via
    ``private_dir``); tighten it to 0600 with a warning if it exists with a looser mode.
    Returns ``path``."""
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        tighten(path)
    else:
        os.close(fd)
    return path


def tighten(path: Path) -> None:
    """If ``path`` exists with any group/other bit, chmod it 0600 and warn (old and new mode)."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    if mode & 0o077:
        os.chmod(path, FILE_MODE)
        log.warning("%s had mode %o: tightened to %o", path, mode, FILE_MODE)


def private_sqlite_file(path: Path) -> Path:
    """The SQLite database at ``path`` created 0600 before SQLite opens it, and any existing
    ``-wal``/``-shm``/``-journal`` tightened (SQLite copies the main file's mode only when it
    creates them)."""
    private_file(path)
    for suffix in SQLITE_COMPANIONS:
        tighten(path.with_name(path.name + suffix))
    return path
