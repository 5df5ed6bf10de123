"""The Celery app (``celery -A portal worker -Q hashing,io``; ``celery -A portal beat``).

Configuration lives in Django settings under the ``CELERY_`` prefix: JSON only, time limits, the two queues
and the beat schedule are all in portal/settings.py.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
# Hashing is one image per task: multi-threaded BLAS only fights the other worker processes for the cores.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
