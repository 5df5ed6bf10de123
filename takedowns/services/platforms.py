"""Loading the platform registry (takedowns/data/platforms.json or an operator's own file) into the database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction

from takedowns.models import Platform
from takedowns.registry import STORED_FIELDS, PlatformSpec


@dataclass(frozen=True)
class LoadResult:
    created: int
    updated: int
    unchanged: int


def platform_values(spec: PlatformSpec) -> dict:
    """The Platform row's stored fields for ``spec`` (every field but the slug, its key)."""
    # The model stores tida_covered as a nullable boolean (None = unknown), the rest as the file spells it.
    # A date is stored as a date (file_value spells it YYYY-MM-DD), so an unchanged reload compares equal.
    raw = ("tida_covered", "tida_process_verified")
    return {name: getattr(spec, name) if name in raw else spec.file_value(name) for name in STORED_FIELDS}


@transaction.atomic
def platforms_load(*, specs: Sequence[PlatformSpec], only_missing: bool = False) -> LoadResult:
    """Upsert platforms by slug. With ``only_missing`` existing rows are left as the operator edited them."""
    existing = {p.slug: p for p in Platform.objects.select_for_update().filter(slug__in=[s.slug for s in specs])}
    created = updated = unchanged = 0
    for spec in specs:
        values = platform_values(spec)
        platform = existing.get(spec.slug)
        if platform is None:
            Platform.objects.create(slug=spec.slug, **values)
            created += 1
            continue
        if only_missing:
            unchanged += 1
            continue
        changed = [name for name, value in values.items() if getattr(platform, name) != value]
        if changed:
            for name in changed:
                setattr(platform, name, values[name])
            platform.save(update_fields=[*changed, "updated_at"])
            updated += 1
        else:
            unchanged += 1
    return LoadResult(created=created, updated=updated, unchanged=unchanged)
