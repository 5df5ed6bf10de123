"""Fixtures of the fault-injection tests: one private deployment (tests/faults/stack.py) for the module, and a
local SMTP server that can be slow to answer, or not listen at all, on demand."""

from __future__ import annotations

import asyncio
import os
import threading

import pytest

from tests.faults.stack import Stack, Unavailable
from tests.smtp_server import RecordingHandler, SmtpServer, free_port


class FaultySmtpHandler(RecordingHandler):
    """Records messages like the suite's SMTP server; ``slow_rcpt`` answers that many RCPT commands only
    after ``rcpt_delay`` seconds (a slow mail server), setting ``in_rcpt`` first so a test can act while a
    worker is in the middle of the conversation — before the message is transferred, so nothing is accepted."""

    def __init__(self):
        super().__init__()
        self.slow_rcpt = 0
        self.rcpt_delay = 0.0
        self.in_rcpt = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.slow_rcpt > 0:
            self.slow_rcpt -= 1
            self.in_rcpt.set()
            await asyncio.sleep(self.rcpt_delay)
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)


class FaultySmtp:
    def __init__(self):
        self.handler = FaultySmtpHandler()
        self.port = free_port()
        self.server: SmtpServer | None = None

    @property
    def messages(self) -> list:
        return self.handler.messages

    def start(self) -> FaultySmtp:
        self.server = SmtpServer(handler=self.handler, port=self.port).start()
        return self

    def stop(self) -> None:
        """Close the listener for real: connections to the port are refused until ``start``."""
        if self.server is not None:
            self.server.stop()
            self.server = None

    def notices(self, reference: str) -> list:
        return [m for m in self.messages if m["message"]["X-Recourse-Notice"] == reference]


@pytest.fixture(scope="module")
def smtp():
    server = FaultySmtp().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def stack(smtp):
    deployment = Stack(smtp_port=smtp.port)
    try:
        try:
            deployment.start()
        except Unavailable as exc:
            message = f"The fault-injection tests need a private PostgreSQL and Redis: {exc}."
            if os.environ.get("RECOURSE_REQUIRE_FAULTS") == "1":
                pytest.fail(message + " (RECOURSE_REQUIRE_FAULTS=1 makes this a failure.)")
            pytest.skip(message)
        # The e-mail platforms of the other integration tests (the shipped registry is mostly web forms).
        deployment.django("from tests.factories import load_email_platforms\nload_email_platforms()")
        yield deployment
    finally:
        deployment.close()


@pytest.fixture(autouse=True)
def _own_processes(request):
    """The workers and web server a test starts are its own: stopped when it ends, so the next test's tasks
    go to the next test's workers only."""
    yield
    if "stack" in request.fixturenames:
        request.getfixturevalue("stack").stop_processes()


@pytest.fixture
def clean_smtp(smtp):
    smtp.handler.messages.clear()
    smtp.handler.slow_rcpt = 0
    smtp.handler.in_rcpt.clear()
    if smtp.server is None:
        smtp.start()
    return smtp
