"""Reconcile (DESIGN.md §9): every kind of background work left pending — by a broker that was down when the
work was committed, or a worker killed mid-task — is found from the database and enqueued again. Every task is
idempotent, so enqueueing work that is in fact still running changes nothing."""

from __future__ import annotations

from takedowns.services.delivery import notices_reconcile
from takedowns.services.exchange import exchange_reconcile
from takedowns.services.hosts import hosts_reconcile
from takedowns.services.images import images_reconcile
from takedowns.services.likeness import likeness_purge_inactive, likeness_reconcile
from takedowns.services.notifications import notifications_reconcile
from takedowns.services.verification import locations_reconcile
from takedowns.services.webhooks import webhooks_reconcile


def work_reconcile(*, older_than_seconds: int = 600) -> dict[str, int]:
    """Re-enqueue what has waited longer than ``older_than_seconds``; returns how many of each kind."""
    notices = notices_reconcile(older_than_seconds=older_than_seconds)
    return {
        "images to hash": len(images_reconcile(older_than_seconds=older_than_seconds)),
        "notices to draft": len(notices["draft"]),
        "notices to send": len(notices["send"]),
        "withdrawals to send": len(notices["withdrawal"]),
        "notifications to send": len(notifications_reconcile(older_than_seconds=older_than_seconds)),
        # Webhook retries run for 31 minutes; only deliveries pending well past that are lost.
        "webhook deliveries": len(webhooks_reconcile(older_than_seconds=max(older_than_seconds, 2 * 60 * 60))),
        "host lookups": len(hosts_reconcile(older_than_seconds=older_than_seconds)),
        "location checks": len(locations_reconcile(older_than_seconds=max(older_than_seconds, 900))),
        "cases whose shared fingerprints were out of step": len(exchange_reconcile()),
        "face templates to make": len(likeness_reconcile(older_than_seconds=older_than_seconds)),
        # A case closed by any path keeps no face template (DESIGN.md §8).
        "face templates of closed cases deleted": likeness_purge_inactive(),
    }
