"""Signed response tokens never reach a log: Django's log lines and gunicorn's access lines are redacted."""

from __future__ import annotations

import io
import logging
from datetime import timedelta
from types import SimpleNamespace

import pytest

from portal.logsafe import RedactingGunicornLogger, redact

TOKEN = "WzEyLCJhYmMiXQ.1sXyZ.s3cr3t-signature"


def test_redact_paths_request_lines_and_referers():
    assert redact(f"GET /respond/{TOKEN}/ HTTP/1.1") == "GET /respond/[redacted]/ HTTP/1.1"
    assert redact(f"https://recourse.example.org/respond/{TOKEN}/?x=1") == (
        "https://recourse.example.org/respond/[redacted]/?x=1"
    )
    assert redact("GET /case/ HTTP/1.1") == "GET /case/ HTTP/1.1"


@pytest.mark.django_db
def test_a_404_on_a_forged_token_logs_no_token(client):
    console = next(h for h in logging.getLogger().handlers if getattr(h, "name", None) == "console")
    stream = io.StringIO()
    previous = console.setStream(stream)
    try:
        response = client.get(f"/respond/{TOKEN}/")
    finally:
        console.setStream(previous)
    assert response.status_code == 404
    logged = stream.getvalue()
    assert "/respond/[redacted]/" in logged and TOKEN not in logged


def test_gunicorn_access_lines_have_no_token():
    from gunicorn.config import Config

    logger = RedactingGunicornLogger(Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/respond/{TOKEN}/",
        "PATH_INFO": f"/respond/{TOKEN}/",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": f"https://recourse.example.org/respond/{TOKEN}/",
        "REMOTE_ADDR": "172.28.0.2",
    }
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    request = SimpleNamespace(headers=[("REFERER", f"https://recourse.example.org/respond/{TOKEN}/")])
    atoms = logger.atoms(response, request, environ, timedelta(milliseconds=5))
    line = logger.cfg.access_log_format % atoms
    assert TOKEN not in line and "/respond/[redacted]/" in line
    assert all(TOKEN not in str(value) for value in atoms.values())


@pytest.mark.parametrize(
    "line",
    [
        f"GET /respond%2F{TOKEN}/ HTTP/1.1",
        f"GET /respond%252F{TOKEN}/ HTTP/1.1",
        f"GET /RESPOND/{TOKEN}/ HTTP/1.1",
        f"GET /Respond/{TOKEN}/ HTTP/1.1",
        f"GET %2Frespond%2F{TOKEN}%2F HTTP/1.1",
        f"GET /respond//{TOKEN}/ HTTP/1.1",
    ],
)
def test_encoded_and_upper_case_paths_are_redacted(line):
    assert "s3cr3t-signature" not in redact(line)
    assert "[redacted]" in redact(line)


@pytest.mark.parametrize(
    "line",
    [
        "GET /cases/RC-7K3M-Q9TX/ HTTP/1.1",
        "GET /cases/rc-7k3m-q9tx/findings/ HTTP/1.1",
        "GET /api/v1/cases/RC7K3MQ9TX/ HTTP/1.1",
        "GET /cases/RC%2D7K3M%2DQ9TX/ HTTP/1.1",
        "Case RC-7K3M-Q9TX was filed",
    ],
)
def test_case_references_are_redacted(line):
    cleaned = redact(line)
    assert "7K3M" not in cleaned.upper() and "RC-[redacted]" in cleaned


def test_gunicorn_access_lines_have_no_case_reference():
    from gunicorn.config import Config

    logger = RedactingGunicornLogger(Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/cases/RC-7K3M-Q9TX/",
        "PATH_INFO": "/cases/RC-7K3M-Q9TX/",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "172.28.0.2",
    }
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    request = SimpleNamespace(headers=[])
    atoms = logger.atoms(response, request, environ, timedelta(milliseconds=5))
    line = logger.cfg.access_log_format % atoms
    assert "7K3M" not in line
