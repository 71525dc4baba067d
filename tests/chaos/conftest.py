"""Fixtures of the chaos suite: a GONGSHI_HOME with keys and tokens on each backend, and the
one-line figures each scenario reports (printed; appended to
$GONGSHI_ARTIFACTS/chaos-figures.txt when that is set, as .ci/run does).

PostgreSQL homes use the shared ``pg_database`` fixture: a schema of their own, dropped after,
skipped locally without GONGSHI_TEST_DATABASE_URL and failing in CI when unreachable.
GONGSHI_CHAOS_SEED fixes the random moments (SIGKILL, marker amounts) to replay a run.
"""

from __future__ import annotations

import json
import os
import random
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger.settings import Database
from tests.chaos.load import YEAR
from tests.chaos.servers import Home, Server

WRITER_ROLES = ("finance", "intake")


@pytest.fixture(params=["sqlite", "postgres"])
def backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The database URL, once per backend (SQLite: the default file in the home)."""
    if request.param == "postgres":
        request.applymarker(pytest.mark.postgres)
        database: Database = request.getfixturevalue("pg_database")
        return database.url
    return f"sqlite:///{tmp_path / 'home' / 'ledger.db'}"


@pytest.fixture
def home(backend_url: str, tmp_path: Path) -> Home:
    """A fresh home on the backend: keys initialised, a token per writer role."""
    made = Home.create(tmp_path / "home", backend_url)
    made.make_tokens(*WRITER_ROLES)
    return made


@pytest.fixture
def servers(home: Home) -> Iterator[list[Server]]:
    """Servers the test starts (append to the list); all stopped after the test, their
    output attached to a failure's report."""
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()


@pytest.fixture
def rng() -> random.Random:
    seed = int(os.environ.get("GONGSHI_CHAOS_SEED") or time.time_ns() % 1_000_000)
    print(f"\nchaos seed {seed}")
    return random.Random(seed)


def backend_of(home: Home) -> str:
    return "sqlite" if home.url.startswith("sqlite") else "postgres"


FIGURES: list[str] = []  # this session's lines, repeated in the terminal summary


def report(scenario: str, home: Home, figures: str) -> str:
    """Print the scenario's one-line figures and keep them in the artifacts, if any (the
    file is started afresh by the session's first line)."""
    line = f"chaos {scenario} [{backend_of(home)}]: {figures}"
    print("\n" + line)
    artifacts = os.environ.get("GONGSHI_ARTIFACTS")
    if artifacts:
        Path(artifacts).mkdir(parents=True, exist_ok=True)
        with (Path(artifacts) / "chaos-figures.txt").open("a" if FIGURES else "w") as out:
            out.write(line + "\n")
    FIGURES.append(line)
    return line


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The chaos figures at the end of the run, also without ``-s``."""
    if FIGURES:
        terminalreporter.section("chaos figures")
        for line in FIGURES:
            terminalreporter.write_line(line)


def open_year(base: str, token: str) -> None:
    """Open fund year YEAR (the contributions' stream) before the writers start."""
    request = urllib.request.Request(
        base + "/api/v1/carefund/years", json.dumps({"year": YEAR}).encode(), method="POST",
        headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 201
