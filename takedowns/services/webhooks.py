"""Webhooks for platforms that want push: new notices and withdrawals are POSTed as JSON to the platform's
registered HTTPS endpoints, signed with HMAC-SHA256, retried with back-off and logged.

Signature header (like Stripe's): ``X-Recourse-Signature: t=<unix time>,v1=<hex HMAC-SHA256>`` where the
HMAC key is the endpoint's secret and the message is ``f"{t}.".encode() + body``. Receivers should check the
HMAC with a constant-time compare and refuse timestamps older than five minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from takedowns import fetch
from takedowns.audit import event_record
from takedowns.links import absolute_url
from takedowns.models import (
    ActorKind,
    CaseState,
    EventType,
    Notice,
    Platform,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
)
from takedowns.notices import response_link
from takedowns.selectors import notice_hash_rows
from takedowns.services.jobs import enqueue_on_commit

DELIVER_TASK = "takedowns.tasks.webhook_deliver"
EVENTS = (EventType.NOTICE_SENT, EventType.NOTICE_WITHDRAWN)


class WebhookError(ValueError):
    pass


def sign(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, body: bytes, header: str, *, tolerance_seconds: int = 300) -> bool:
    """What a receiver does; used by the tests and offered as reference code in the API docs."""
    try:
        fields = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance_seconds:
        return False
    return hmac.compare_digest(sign(secret, body, timestamp=timestamp), header)


def webhook_endpoint_register(*, platform: Platform, url: str, actor_user=None) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it with its secret (shown once)."""
    url = (url or "").strip()
    allowed = ("https://", "http://") if settings.FETCH_ALLOW_PRIVATE_ADDRESSES else ("https://",)
    if not url.lower().startswith(allowed) or len(url) > 500:
        raise WebhookError("The endpoint must be an https:// address (at most 500 characters).")
    try:
        target = fetch.check_url(url, allow_http=settings.FETCH_ALLOW_PRIVATE_ADDRESSES)
    except fetch.FetchError as exc:
        raise WebhookError(exc.message) from exc
    # Screened now as well as at every delivery: an endpoint on a private, loopback or metadata address is
    # refused outright. A name that does not resolve yet is accepted; each delivery resolves and screens again.
    try:
        fetch.resolve(target.host, target.port)
    except fetch.AddressNotAllowed as exc:
        raise WebhookError(exc.message) from exc
    except fetch.FetchError:
        pass
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(platform=platform, url=url, secret=secret)
        event_record(
            type=EventType.WEBHOOK_REGISTERED,
            actor_kind=ActorKind.PLATFORM,
            actor_user=actor_user,
            data={"platform": platform.slug, "endpoint_id": endpoint.pk},
        )
    return endpoint, secret


def notice_payload(notice: Notice, event_type: str) -> dict:
    """What a platform receives: the notice without any image or victim contact detail."""
    return {
        "event": event_type,
        "sent_at": timezone.now().isoformat(),
        "notice": {
            "id": notice.pk,
            "reference": notice.reference,
            "platform": notice.platform.slug,
            "regime": notice.regime,
            "status": notice.status,
            "sent_at": notice.sent_at.isoformat() if notice.sent_at else None,
            "due_at": notice.due_at.isoformat() if notice.due_at else None,
            "locations": [
                {"id": loc.pk, "url": loc.url, "uploader": loc.uploader_handle or None}
                for loc in notice.locations.order_by("id")
            ],
            "hashes": [
                {
                    "signal_type": "pdq",
                    "value": row["pdq"],
                    "quality": row["pdq_quality"],
                    "md5": row["md5"],
                    "phash": row["phash"],
                }
                for row in notice_hash_rows(notice)
            ],
            "response_url": response_link(notice),
            "api_url": absolute_url("notice-detail", pk=notice.pk),
        },
    }


def webhooks_enqueue(*, notice: Notice, event_type: str) -> list[WebhookDelivery]:
    if event_type not in EVENTS:
        raise ValueError(f"Unknown webhook event {event_type!r}.")
    created = []
    for endpoint in WebhookEndpoint.objects.filter(platform_id=notice.platform_id, active=True):
        # The payload is built when it is delivered, never stored ahead: an erased case leaves nothing here.
        delivery, fresh = WebhookDelivery.objects.get_or_create(endpoint=endpoint, notice=notice, event_type=event_type)
        if fresh:
            created.append(delivery)
            enqueue_on_commit(DELIVER_TASK, delivery.pk)
    return created


class WebhookRetry(Exception):
    pass


def webhook_deliver(*, delivery_id: int, final_attempt: bool = False) -> WebhookDelivery | None:
    """POST one delivery. Raises WebhookRetry for a failure worth retrying (network, 5xx, 429).

    Claim, commit, send, record: the attempt is counted in a short transaction, the POST happens with no row
    lock held, and the outcome is recorded in another (unless the delivery was cancelled meanwhile). Receivers
    de-duplicate on ``X-Recourse-Delivery``.
    """
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(of=("self",))
            .select_related("endpoint", "notice__case", "notice__platform")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status != WebhookDeliveryStatus.PENDING:
            return delivery
        if delivery.notice is None or delivery.notice.case.state == CaseState.ERASED:
            delivery.status = WebhookDeliveryStatus.FAILED
            delivery.last_error = "Cancelled: the case was erased."
            delivery.save(update_fields=["status", "last_error"])
            return delivery
        delivery.attempts += 1
        delivery.save(update_fields=["attempts"])
        body = json.dumps(notice_payload(delivery.notice, delivery.event_type), separators=(",", ":"), sort_keys=True)
    body = body.encode()
    headers = {
        "Content-Type": "application/json",
        "X-Recourse-Event": delivery.event_type,
        "X-Recourse-Delivery": str(delivery.pk),
        "X-Recourse-Signature": sign(delivery.endpoint.secret, body),
    }
    outcome: dict = {}
    retry_reason = ""
    try:
        response = fetch.request(
            "POST",
            delivery.endpoint.url,
            body=body,
            headers=headers,
            timeout=10,
            max_bytes=64 * 1024,
            allow_http=settings.FETCH_ALLOW_PRIVATE_ADDRESSES,
            follow_redirects=False,
        )
        outcome["last_status_code"] = response.status
        if 200 <= response.status < 300:
            outcome.update(status=WebhookDeliveryStatus.DELIVERED, delivered_at=timezone.now(), last_error="")
        elif response.status >= 500 or response.status == 429:
            retry_reason = f"The endpoint answered {response.status}."
        else:
            outcome.update(
                status=WebhookDeliveryStatus.FAILED, last_error=f"The endpoint answered {response.status}; not retried."
            )
    except fetch.AddressNotAllowed as exc:
        outcome.update(status=WebhookDeliveryStatus.FAILED, last_error=exc.message)
    except fetch.FetchError as exc:
        retry_reason = exc.message
    if retry_reason:
        outcome["last_error"] = retry_reason
        if final_attempt:
            outcome["status"] = WebhookDeliveryStatus.FAILED
    WebhookDelivery.objects.filter(pk=delivery.pk, status=WebhookDeliveryStatus.PENDING).update(**outcome)
    delivery.refresh_from_db()
    if retry_reason and not final_attempt:
        raise WebhookRetry(retry_reason)
    return delivery


def webhooks_cancel_for_case(*, case) -> int:
    """Erasure: pending deliveries of the case's notices are cancelled and stored payloads (from before
    payloads were built at delivery time) are emptied."""
    qs = WebhookDelivery.objects.filter(notice__case=case)
    qs.exclude(payload={}).update(payload={})
    return qs.filter(status=WebhookDeliveryStatus.PENDING).update(
        status=WebhookDeliveryStatus.FAILED, last_error="Cancelled: the case was erased."
    )


def webhooks_reconcile(*, older_than_seconds: int = 2 * 60 * 60) -> list[int]:
    """Re-enqueue deliveries still pending long after the retry ladder (1+2+4+8+16 min) would have ended."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(
        WebhookDelivery.objects.filter(status=WebhookDeliveryStatus.PENDING, created_at__lt=cutoff).values_list(
            "pk", flat=True
        )
    )
    for pk in ids:
        enqueue_on_commit(DELIVER_TASK, pk)
    return ids


def webhook_endpoint_deactivate(*, endpoint: WebhookEndpoint, actor_user=None) -> None:
    """Stop delivering to an endpoint; its delivery log stays."""
    with transaction.atomic():
        endpoint.active = False
        endpoint.save(update_fields=["active"])
        event_record(
            type=EventType.WEBHOOK_DEACTIVATED,
            actor_kind=ActorKind.PLATFORM,
            actor_user=actor_user,
            data={"platform": endpoint.platform.slug, "endpoint_id": endpoint.pk},
        )
