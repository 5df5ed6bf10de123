"""After ``migrate``: make sure the role groups exist and every platform of the shipped registry is present.

Existing platforms are left as an operator edited them; ``load_platforms`` is the command that overwrites.
"""

from __future__ import annotations

from django.db.models.signals import post_migrate
from django.dispatch import receiver


@receiver(post_migrate)
def seed_reference_data(sender, app_config=None, using="default", **kwargs) -> None:
    if app_config is None or app_config.label != "takedowns":
        return
    from django.db import connections
    from django.db.migrations.executor import MigrationExecutor

    # Seeding writes through today's models: after a partial ``migrate takedowns 000N`` the tables lack
    # newer columns, so wait until the schema is current (the next full migrate seeds).
    executor = MigrationExecutor(connections[using])
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        return
    from takedowns.registry import DEFAULT_REGISTRY_PATH, load_registry_file
    from takedowns.services.platforms import platforms_load
    from takedowns.services.users import role_groups_ensure

    role_groups_ensure()
    platforms_load(specs=load_registry_file(DEFAULT_REGISTRY_PATH), only_missing=True)
