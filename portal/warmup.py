"""What a web process loads on its first request, loaded at its start instead (portal/wsgi.py calls it).

Django imports the URLconf (and with it every view, serializer and the API schema tools), reads each language's
translations and compiles each template the first time a request needs them. In a fresh gunicorn process that
was ~250 ms of CPU on the first request and a few milliseconds more on each page seen for the first time, paid
by whoever came first after a start or a restart, in every process at once, and measured as the slowest sign-ins
of the load run (benchmarks/load/REPORT.md). Loading them before the process accepts connections moves that
cost to its boot. Nothing here touches the database or a request's data.
"""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)

# The form template pack the intake and staff forms render with (crispy-bootstrap5), besides the project's own.
TEMPLATE_PACKS = ("bootstrap5",)


def _template_names() -> list[str]:
    from django.conf import settings
    from django.template.utils import get_app_template_dirs

    names: list[str] = []
    for root in [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]:
        names += [p.relative_to(root).as_posix() for p in sorted(root.rglob("*.html"))]
    for root in get_app_template_dirs("templates"):
        for pack in TEMPLATE_PACKS:
            if (Path(root) / pack).is_dir():
                names += [p.relative_to(root).as_posix() for p in sorted((Path(root) / pack).rglob("*.html"))]
    return names


def _widget_template_names() -> list[str]:
    import django.forms

    root = Path(django.forms.__file__).parent / "templates"
    return [p.relative_to(root).as_posix() for p in sorted((root / "django" / "forms").rglob("*.html"))]


def warm_up() -> dict[str, int]:
    """Import the URLconf, read the translations, compile the templates; returns what it loaded. A template
    that does not compile is left for its request to report, as it would have been without this."""
    from django.conf import settings
    from django.forms.renderers import get_default_renderer
    from django.template import TemplateDoesNotExist, TemplateSyntaxError
    from django.template.loader import get_template
    from django.urls import get_resolver, reverse
    from django.utils import translation

    get_resolver().url_patterns  # noqa: B018 - the attribute imports every URL module and its views
    reverse("takedowns:home")  # builds the reverse lookup tables every {% url %} then reads
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Recourse")
    compiled = 0
    renderer = get_default_renderer()  # form widgets render through an engine of their own
    for load, name in [(get_template, n) for n in _template_names()] + [
        (renderer.get_template, n) for n in _widget_template_names()
    ]:
        try:
            load(name)
        except (TemplateDoesNotExist, TemplateSyntaxError) as exc:
            log.warning("Template %s not compiled at start: %s", name, type(exc).__name__)
            continue
        compiled += 1
    return {"languages": len(settings.LANGUAGES), "templates": compiled}
