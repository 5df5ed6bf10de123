"""Event types live in EventType alone: the column carries no choices, so a new type needs no migration, and the
type is still checked when an event is written or validated."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.autodetector import MigrationAutodetector
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.state import ProjectState
from django.utils import timezone, translation

from takedowns.audit import event_record
from takedowns.models import Event, EventType


def test_the_type_column_does_not_copy_the_list_of_types():
    _name, _path, _args, kwargs = Event._meta.get_field("type").deconstruct()
    assert "choices" not in kwargs
    # What a migration records for the column: nothing that changes when EventType grows.
    assert all(type(v).__name__ == "function" for v in kwargs["validators"])


@pytest.mark.django_db
def test_the_migrations_match_the_models():
    executor = MigrationExecutor(connection)
    state = executor.loader.project_state()
    changes = MigrationAutodetector(state, ProjectState.from_apps(apps)).changes(graph=executor.loader.graph)
    assert "takedowns" not in changes


def test_an_unknown_type_fails_validation_and_a_known_one_passes():
    event = Event(actor_kind="system", type="notice.typo", created_at=timezone.now())
    with pytest.raises(ValidationError) as refused:
        event.full_clean(exclude=["case", "notice", "actor_user"])
    assert "type" in refused.value.message_dict
    event.type = EventType.NOTICE_SENT
    event.full_clean(exclude=["case", "notice", "actor_user"])


@pytest.mark.django_db
def test_the_writer_still_refuses_an_unknown_type():
    with pytest.raises(ValueError, match="add it to EventType"):
        event_record(type="notice.typo", actor_kind="system")


def test_the_type_is_shown_in_words_in_the_reader_s_language():
    event = Event(type=EventType.NOTICE_SENT)
    assert event.get_type_display() == "Notice sent"
    with translation.override("es"):
        assert event.get_type_display() == "Aviso enviado"
    # A type removed from EventType after it was written is shown as stored, not as an error.
    assert Event(type="notice.retired").get_type_display() == "notice.retired"
