"""Progress goes to stderr only when stderr is a terminal (issue 15 item 6): the writer's
(rich) and the verifier's (standard library) draw on a terminal and are silent on a pipe."""

from __future__ import annotations

import io
import sys
from unittest import mock

from api.cli_output import progress
from verify.progress import ticking


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_writer_progress_on_a_terminal() -> None:
    tty = Terminal()
    with mock.patch.object(sys, "stderr", tty), progress("rebuilding points") as update:
        update(5, 10)
    assert "rebuilding points" in tty.getvalue()


def test_writer_progress_silent_on_a_pipe() -> None:
    pipe = io.StringIO()
    with mock.patch.object(sys, "stderr", pipe), progress("rebuilding points") as update:
        update(5, 10)
    assert pipe.getvalue() == ""


def test_verifier_progress_on_a_terminal() -> None:
    tty = Terminal()
    with ticking("gongshi-verify: checking the bundle", tty) as ticker:
        assert ticker is not None
        ticker.update(300_000)
        ticker.draw()
    text = tty.getvalue()
    assert "gongshi-verify: checking the bundle: 300,000 records, 0 s" in text
    assert text.endswith("\r")  # the line is cleared: the result stands alone


def test_verifier_progress_silent_on_a_pipe() -> None:
    pipe = io.StringIO()
    with ticking("gongshi-verify: checking the bundle", pipe) as ticker:
        assert ticker is None
    assert pipe.getvalue() == ""
