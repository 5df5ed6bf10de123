from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TakedownsConfig(AppConfig):
    name = "takedowns"
    verbose_name = _("Takedowns")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from takedowns import (
            signals,  # noqa: F401  (post_migrate: groups and the platform registry)
            tasks,  # noqa: F401  (registers the Celery tasks, which services enqueue by name)
        )
