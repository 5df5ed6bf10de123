"""Spanish: the victim's pages, their error messages and the receipt e-mail, and a complete catalogue."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from takedowns.models import Case
from tests.utils import DEFAULT_ANSWERS, THREE_URLS, post_ok, step_url, walk_intake

pytestmark = pytest.mark.django_db

# The files whose strings the victim reads; every msgid they use must have a Spanish translation.
VICTIM_SOURCES = (
    "templates/takedowns/home.html",
    "templates/takedowns/intake/",
    "templates/takedowns/status/",
    "templates/takedowns/email/",
    "takedowns/forms/",
    "takedowns/web/",
    "takedowns/services/intake.py",
    "takedowns/services/fingerprints.py",
    "takedowns/context_processors.py",
    "takedowns/templatetags/takedowns_extras.py",
)


@pytest.fixture
def spanish(client):
    client.post(reverse("set_language"), {"language": "es", "next": "/"})
    return client


def test_every_victim_string_has_a_spanish_translation():
    po = Path(settings.BASE_DIR, "locale/es/LC_MESSAGES/django.po").read_text(encoding="utf-8")
    assert Path(settings.BASE_DIR, "locale/es/LC_MESSAGES/django.mo").exists()
    untranslated = []
    for block in po.split("\n\n"):
        refs = " ".join(line for line in block.splitlines() if line.startswith("#:"))
        if not any(source in refs for source in VICTIM_SOURCES) or "#, fuzzy" in block:
            if "#, fuzzy" in block and any(source in refs for source in VICTIM_SOURCES):
                untranslated.append(block)
            continue
        strings = re.findall(r'^msgstr(?:\[\d\])? "(.*)"(?:\n"(.*)")*', block, re.M)
        if not strings or any(not "".join(parts) for parts in strings):
            untranslated.append(block)
    assert not untranslated, "\n\n".join(untranslated[:5])


def test_pages_are_in_spanish(spanish):
    html = spanish.get(reverse("takedowns:intake")).content.decode()
    assert 'lang="es"' in html and "Pedir que se retiren imágenes íntimas" in html and "Salida rápida" in html
    assert "Apoyo gratuito y confidencial" in html
    html = spanish.get(step_url("who")).content.decode()
    assert "Paso 1 de 7" in html and "Nombre completo de la persona que aparece" in html
    html = spanish.get(reverse("takedowns:status_login")).content.decode()
    assert "Consultar su caso" in html and "Código de acceso" in html


def test_error_messages_are_in_spanish(spanish):
    response = spanish.post(step_url("who"), {"filer_type": "self"})
    html = response.content.decode()
    assert "Por favor, revise lo siguiente:" in html
    assert "Por favor, escriba el nombre de la persona que aparece en las imágenes." in html
    post_ok(spanish, step_url("who"), DEFAULT_ANSWERS["who"])
    post_ok(spanish, step_url("content"), DEFAULT_ANSWERS["content"])
    html = spanish.post(step_url("where"), {"urls": "javascript:alert(1)\nftp://a.example/x"}).content.decode()
    assert "Línea 1" in html and "Esto es un fragmento de código del navegador" in html
    assert "Aquí no se pueden denunciar direcciones que empiezan por ftp://." in html
    post_ok(spanish, step_url("where"), {"urls": THREE_URLS, "action": "check"})
    post_ok(spanish, step_url("where"), {"urls": THREE_URLS, "action": "continue"})
    html = spanish.post(
        step_url("images"), {"images": [SimpleUploadedFile("x.jpg", b"%PDF-1.4 ...")], "action": "add"}
    ).content.decode()
    assert "Parece un documento PDF, no una imagen." in html


def test_receipt_and_email_in_spanish(spanish, private_storage, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        walk_intake(spanish)
    case = Case.objects.get()
    assert case.language == "es"
    html = spanish.get(reverse("takedowns:intake_receipt")).content.decode()
    assert "Hemos recibido su solicitud" in html and "Por favor, apunte el código" in html
    message = next(m for m in mail.outbox if "sam@example.org" in m.to)
    assert message.subject == f"Su caso de Recourse {case.reference}"
    assert "Hemos recibido su solicitud de retirada." in message.body
    assert "Código de acceso" in message.alternatives[0][0]
    # The statement sent to platforms stays in English; the victim read it in Spanish.
    assert case.good_faith_statement.startswith("I have a good-faith belief")
    assert case.attestations["statement_language"] == "es"
