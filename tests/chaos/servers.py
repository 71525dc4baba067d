"""Real ``gongshi serve`` processes for the chaos suite: started on a GONGSHI_HOME and a
database URL, killed with SIGKILL, restarted on the same data; and the ``gongshi`` and
``gongshi-verify`` commands run as an operator and an auditor would.

A PostgreSQL home's URL carries ``application_name=gongshi-chaos-<hex>`` and the process gets
PGAPPNAME with the same value (libpq reads it when the URL's parameter is not passed on), so
``pg_faults`` can terminate exactly this test's backends and nobody else's.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from api.tokens import Tokens
from ledger.actor import Actor, Role
from ledger.clock import system_clock
from ledger.settings import parse_database_url
from tests.chaos.load import Attempt
from tests.chaos.store import Verdict, exported_leaves, judge, stored_records
from tests.e2e.server import ROOT, free_port
from verify.note import parse_vkey
from verify.policy import departments_policy

START_PATIENCE = 60.0
COMMAND_TIMEOUT = 180.0
CHECKPOINT_INTERVAL = "0.5"


def with_query(url: str, **params: str) -> str:
    """``url`` with ``params`` appended to its query string."""
    extra = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{url}{'&' if '?' in url else '?'}{extra}"


@dataclass
class Home:
    """One ledger's local state and database, as the processes see them."""

    path: Path
    url: str
    app_name: str = ""
    tokens: dict[str, str] = field(default_factory=dict)  # role -> bearer token

    @classmethod
    def create(cls, path: Path, url: str) -> Home:
        """A new GONGSHI_HOME at ``path`` on ``url`` (sqlite:///... or postgresql://...;
        a PostgreSQL URL gets a unique application_name); keys made by ``gongshi keys init``;
        a PostgreSQL store created by ``gongshi check`` (``gongshi tokens create`` alone does
        not create a new schema: "no schema has been selected to create in")."""
        app_name = ""
        if url.startswith("postgres"):
            app_name = f"gongshi-chaos-{secrets.token_hex(6)}"
            url = with_query(url, application_name=app_name)
        home = cls(path, url, app_name)  # keys init makes the directory, as for an operator
        home.run_ok("keys", "init")
        if app_name:
            home.run_ok("check")
        return home

    def env(self) -> dict[str, str]:
        env = {**os.environ, "GONGSHI_HOME": str(self.path), "GONGSHI_DATABASE_URL": self.url,
               "GONGSHI_CHECKPOINT_INTERVAL": CHECKPOINT_INTERVAL}  # fmt: skip
        env.pop("GONGSHI_VAULT_KEY", None)  # the home's keys/vault.key
        if self.app_name:
            env["PGAPPNAME"] = self.app_name
        return env

    def run(self, *args: str, verifier: bool = False) -> subprocess.CompletedProcess[str]:
        """``gongshi ARGS`` (or ``gongshi-verify ARGS``) on this home."""
        module = "verify" if verifier else "api.cli"
        return subprocess.run([sys.executable, "-m", module, *args], env=self.env(), cwd=ROOT,
                              capture_output=True, text=True, timeout=COMMAND_TIMEOUT)  # fmt: skip

    def run_ok(self, *args: str, verifier: bool = False) -> str:
        """Like ``run``; AssertionError with the output unless it exits 0."""
        done = self.run(*args, verifier=verifier)
        command = ("gongshi-verify " if verifier else "gongshi ") + " ".join(args)
        output = done.stdout + done.stderr
        assert done.returncode == 0, f"{command}: exit {done.returncode}\n{output}"
        return done.stdout

    def make_tokens(self, *roles: str) -> dict[str, str]:
        """A token per role (principal ROLE-chaos), made in this process as ``gongshi tokens
        create`` makes them (one command per token would cost a second each)."""
        from ledger.ledger import open_ledger
        from ledger.principal import Principals
        from ledger.settings import Settings
        from tests.support.principals import enrol

        ledger = open_ledger(Settings(self.path, parse_database_url(self.url), None))
        try:
            actors = [Actor(f"{role}-chaos", Role(role)) for role in roles]
            enrol(ledger, *actors)  # a token is issued only for an enrolled principal
            store, registry = Tokens(ledger.db), Principals(ledger)
            for actor in actors:
                self.tokens[actor.role.value] = store.issue(
                    registry, actor.principal, system_clock()
                )
        finally:
            ledger.close()
        return self.tokens

    def judged(self, finals: list[Attempt], out: Path) -> Verdict:
        """After the servers stopped: read the store, audit (``audit(out)``), then hold every
        write's final answer against the store and the exported leaves."""
        stored = stored_records(self.url)
        self.audit(out)
        return judge(finals, stored, exported_leaves(out))

    def audit(self, out: Path) -> str:
        """Check, sign the final tree, export and verify the bundle under a policy pinned from
        the home's log key (quorum none: this ledger has no witnesses). Returns the bundle's
        verification output; AssertionError with the output if a step fails."""
        self.run_ok("check")
        self.run_ok("checkpoint")
        self.run_ok("export", str(out))
        vkey = parse_vkey((self.path / "keys" / "log.vkey").read_text())
        pinned = out.parent / f"{out.name}.policy"
        pinned.write_text(departments_policy(vkey, {}).text())
        checked = self.run_ok("bundle", str(out), "--policy", str(pinned), verifier=True)
        assert "VALID" in checked and "INVALID" not in checked, checked
        return checked


class Server:
    """``gongshi serve`` on one port of ``home``; output to a log file in the home."""

    def __init__(self, home: Home, port: int | None = None, name: str = "serve") -> None:
        self.home = home
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = home.path / f"{name}-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> float:
        """Start and wait until /healthz answers (any status); the seconds it took."""
        began = time.monotonic()
        self.launch()
        self.wait_ready(began)
        return time.monotonic() - began

    def launch(self) -> None:
        """Start the process; ``wait_ready`` waits for it to answer."""
        assert self.process is None or self.process.poll() is not None, "already running"
        with self.log_path.open("ab") as log:
            log.write(f"--- start {self.starts + 1}\n".encode())
            self.process = subprocess.Popen(
                [sys.executable, "-m", "api.cli", "serve", "--port", str(self.port)],
                cwd=ROOT, env=self.home.env(), stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.starts += 1

    def wait_ready(self, began: float) -> None:
        """Wait until /healthz answers; RuntimeError with the output if the process ended
        or START_PATIENCE seconds passed since ``began``."""
        assert self.process is not None
        while self.health() is None:
            if self.process.poll() is not None or time.monotonic() - began > START_PATIENCE:
                self.stop()
                raise RuntimeError(f"gongshi serve did not start:\n{self.output()}")
            time.sleep(0.05)

    def health(self, timeout: float = 5.0) -> tuple[int, dict[str, object]] | None:
        """(status, body) of /healthz, or None when nothing answers within ``timeout``."""
        try:
            with urllib.request.urlopen(self.base + "/healthz", timeout=timeout) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")
        except (OSError, ValueError):
            return None

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, no closing of connections."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(30)

    def stop(self) -> None:
        """SIGTERM and wait (SIGKILL after 30 s)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(30)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def explain(self, request_id: str) -> str:
        """What the server's log says about ``request_id``: its first line and the last line
        of its traceback (the exception), or that the log does not name it."""
        lines = self.log_path.read_text(errors="replace").splitlines()
        for i, line in enumerate(lines):
            if request_id in line:
                block = [line]
                for following in lines[i + 1 :]:
                    if following.startswith("request ") or following.startswith("---"):
                        break
                    block.append(following)
                last = [x for x in block if x and not x.startswith((" ", "Traceback", "The "))]
                return f"{line} ... {last[-1] if last else ''}"
        return f"request {request_id} not in {self.log_path.name}"


def explain_errors(servers: list[Server], answers: list[dict[str, object] | None]) -> str:
    """One line per 5xx answer body: the server's log entry for its request id."""
    out = []
    for answer in answers:
        request_id = str((answer or {}).get("request_id", ""))
        found = [s.explain(request_id) for s in servers if request_id]
        named = [f for f in found if "not in" not in f]
        out.append((named or found or [f"no request id in {answer}"])[0])
    return "\n".join(out)
