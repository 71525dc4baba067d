"""The three departments' witnesses as ``gongshi-verify witness serve`` processes, each with its
key and state under ``$GONGSHI_HOME``, and their URLs written into the log's policy."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from ledger.log.witnesses import DEPARTMENTS, witness_paths, witness_verifiers, write_policy
from ledger.settings import Settings
from tests.e2e.server import ROOT
from verify.note import parse_vkey
from verify.policy import departments_policy

STARTUP = re.compile(r"listening on (http://127\.0\.0\.1:[0-9]+)\n")


@contextmanager
def witness_serving(settings: Settings, name: str) -> Iterator[str]:
    """Department ``name``'s witness (keys/witness-NAME.skey, witness-state/NAME.json) on a
    free loopback port until the block ends; yields its URL (its submission prefix)."""
    log_file = (settings.home / f"witness-{name}.log").open("w")
    command = [
        sys.executable, "-m", "verify", "witness", "serve", "--name", name,
        "--key", str(witness_paths(settings.keys_dir, name)[0]),
        "--state", str(settings.home / "witness-state" / f"{name}.json"),
        "--log-vkey", str(settings.log_vkey_path), "--listen", "127.0.0.1:0",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log_file, text=True,
                               cwd=ROOT)  # fmt: skip
    try:
        assert process.stdout is not None
        started = STARTUP.fullmatch(process.stdout.readline())
        assert started, (settings.home / f"witness-{name}.log").read_text()
        yield started.group(1)
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=30)
        log_file.close()


@contextmanager
def departments_serving(settings: Settings) -> Iterator[dict[str, str]]:
    """Every department's witness serving, and ``$GONGSHI_HOME/policy`` listing them with
    their URLs (any 2 of 3); yields name -> URL. Requires the log's and the witnesses' keys."""
    log = parse_vkey(settings.log_vkey_path.read_text())
    with ExitStack() as stack:
        urls = {name: stack.enter_context(witness_serving(settings, name)) for name in DEPARTMENTS}
        write_policy(settings.home, departments_policy(log, witness_verifiers(settings.keys_dir),
                                                       urls))  # fmt: skip
        yield urls
