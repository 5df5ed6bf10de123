"""The test set-up itself: every test has its own private-storage folder, and unit tests run background work
eagerly whatever ran before them (the integration worker fixture hands eager mode back when it ends).

Order matters for the second promise, so check it both ways, e.g.:
    pytest tests/takedowns/test_integration_worker.py tests/test_isolation.py
    pytest tests/test_isolation.py tests/takedowns/test_integration_worker.py
"""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from portal.celery import app
from takedowns.models import Event, ReferenceImage
from takedowns.services.jobs import enqueue_on_commit
from tests.utils import stored_files


@pytest.mark.parametrize("run", [1, 2])
def test_each_test_stores_in_a_folder_of_its_own(private_storage, tmp_path, run):
    # Both runs start empty, though the first one left a file behind.
    assert private_storage.is_relative_to(tmp_path)
    assert stored_files(private_storage) == []
    name = default_storage.save(f"reference-images/run-{run}", ContentFile(b"not a picture"))
    assert stored_files(private_storage) == [private_storage / name]


@pytest.mark.django_db
def test_model_files_go_to_the_same_folder(private_storage):
    # FileFields keep one storage object for the life of the process; it must follow the setting.
    storage = ReferenceImage._meta.get_field("file").storage
    name = storage.save("reference-images/upload", ContentFile(b"bytes"))
    assert (private_storage / name).is_file()


# Transactional like the integration tests, so that pytest-django keeps the two in the order given (it runs
# plain database tests first, then transactional ones, then the rest).
@pytest.mark.django_db(transaction=True)
def test_unit_tests_run_background_work_eagerly():
    assert app.conf.task_always_eager
    with transaction.atomic():
        enqueue_on_commit("takedowns.tasks.ping", "eager-probe")
    # Ran in this process, at commit: no worker is involved.
    assert Event.objects.filter(type="system.ping", data__probe="eager-probe").exists()
