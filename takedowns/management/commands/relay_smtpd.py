"""``python manage.py relay_smtpd``: the inbound SMTP server for platform replies to notices.

Thin by design: aiosmtpd speaks SMTP, the two hooks below call ``takedowns.services.replies`` (RCPT: may this
address receive mail? DATA: record the message). aiosmtpd runs its own asyncio loop in a thread; Django
refuses ORM calls from async code, so every service call goes through ``sync_to_async`` (one worker thread,
so database access is serialised and each call sees a healthy connection).

Senders are not authenticated at the SMTP level (the service checks DKIM, or the operator's front server's
Authentication-Results, and holds anything unauthenticated for an advocate). No relaying: only addresses at
``RELAY_EMAIL_DOMAIN`` are accepted, everything else is refused at RCPT with 550, and messages larger than
``RELAY_MAX_MESSAGE_BYTES`` get 552.
"""

from __future__ import annotations

import logging
import signal
import threading

from aiosmtpd.controller import Controller
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from takedowns.notices.tokens import notice_id_from_relay_address
from takedowns.services.replies import RelayRefused, notice_reply_receive, relay_recipient_check

log = logging.getLogger("takedowns.relay")

# A reply goes to one notice; a handful covers a platform answering several notices of a case at once.
MAX_RECIPIENTS = 20
TEMPORARY_FAILURE = "451 4.3.0 Temporary failure, please try again later."


def _fresh_db(function):
    """Run a service with a usable connection (the thread lives for days; CONN_MAX_AGE and dropped
    connections are handled as a request would handle them)."""

    def run(*args, **kwargs):
        close_old_connections()
        try:
            return function(*args, **kwargs)
        finally:
            close_old_connections()

    return sync_to_async(run, thread_sensitive=True)


_check_recipient = _fresh_db(relay_recipient_check)
_receive = _fresh_db(notice_reply_receive)


class RelayHandler:
    """aiosmtpd hooks: check each recipient, then record the message on every accepted recipient's notice."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 Too many recipients"
        try:
            await _check_recipient(address=address)
        except RelayRefused as exc:
            log.info("Relay refused a recipient: %s", exc.reply[:3])
            return exc.reply
        except Exception:
            log.exception("Relay could not check a recipient.")
            return TEMPORARY_FAILURE
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", errors="surrogateescape")
        recorded, refusal = 0, None
        for address in envelope.rcpt_tos:
            notice_id = notice_id_from_relay_address(address)
            if notice_id is None:  # checked at RCPT; a settings change in between is the only way here
                continue
            try:
                event = await _receive(notice_id=notice_id, raw=raw)
            except RelayRefused as exc:
                refusal = exc.reply
                continue
            except Exception:
                # Nothing is lost: the sender keeps the message and retries on a 4xx.
                log.exception("Relay could not record a reply for notice %s.", notice_id)
                return TEMPORARY_FAILURE
            recorded += 1
            log.info("Relay recorded reply event %s for notice %s (%s bytes).", event.pk, notice_id, len(raw))
        if not recorded:
            return refusal or "554 5.5.1 No valid recipients"
        return "250 2.0.0 Reply received, thank you"


def parse_listen(value: str) -> tuple[str, int]:
    """``host:port``, ``[v6]:port`` or ``:port`` (all addresses)."""
    host, sep, port = (value or "").strip().rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise CommandError(f"RELAY_SMTP_LISTEN must be host:port (e.g. 127.0.0.1:2525), not {value!r}.")
    return host.strip("[]") or "0.0.0.0", int(port)


class Command(BaseCommand):
    help = (
        "Receive platform replies by e-mail: an SMTP server for RELAY_EMAIL_DOMAIN that records mail to a "
        "notice's relay address on that notice and refuses everything else."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Set by SIGTERM/SIGINT, or by whoever runs the command in a thread (the tests).
        self.stopping = threading.Event()
        self.listening = threading.Event()
        self.controller: Controller | None = None

    def add_arguments(self, parser):
        parser.add_argument("--listen", default=None, help="host:port (default: settings.RELAY_SMTP_LISTEN).")

    def handle(self, *args, listen: str | None = None, **options):
        host, port = parse_listen(listen or settings.RELAY_SMTP_LISTEN)
        self.controller = Controller(
            RelayHandler(),
            hostname=host,
            port=port,
            server_hostname=settings.RELAY_EMAIL_DOMAIN,
            ident="Recourse relay",
            data_size_limit=settings.RELAY_MAX_MESSAGE_BYTES,
            enable_SMTPUTF8=True,
        )
        # aiosmtpd logs every sender and recipient address at INFO: those are people's addresses, not needed.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_: self.stopping.set())
        self.controller.start()
        self.listening.set()
        self.stdout.write(f"Relay for @{settings.RELAY_EMAIL_DOMAIN} listening on {host}:{port}.")
        try:
            self.stopping.wait()
        finally:
            self.controller.stop()
            self.stdout.write("Relay stopped.")
