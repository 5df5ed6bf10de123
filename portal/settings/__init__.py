"""Django settings for Recourse, read from the environment only (portal/env.py; every variable in .env.example).

``DEBUG=true`` (set by `make run`, the demo, the test settings and CI) is the *embedded default*: SQLite in
``var/``, a Celery broker backed by a local folder (no server), a file-based cache and e-mail written to
``var/outbox``. ``DATABASE_URL`` switches to PostgreSQL, ``REDIS_URL`` to Redis for the broker and the cache.
Without ``DEBUG`` (or with ``DEBUG=false``) this is production mode: it refuses to start without real secrets,
with placeholder values or with development e-mail (``checks``), and turns on every HTTPS protection that
``manage.py check --deploy`` looks for (``security``).

One module per concern, each importing what it needs from the ones before it:

- ``base``: paths, DEBUG, secrets, applications, data, files, languages, e-mail, logging;
- ``security``: sign-in (lock-out, two factors, admin path, API tokens), cookies, HTTPS, proxies, CSP;
- ``celery``: broker, limits, queues and the schedule of periodic jobs;
- ``api``: the REST API and its schema;
- ``recourse``: the portal's own settings (fetching, notices, operator, retention, escalation);
- ``checks``: what production refuses to start with (last: it reads the others).
"""

from portal.settings.api import *  # noqa: F403
from portal.settings.base import *  # noqa: F403
from portal.settings.celery import *  # noqa: F403
from portal.settings.checks import *  # noqa: F403
from portal.settings.recourse import *  # noqa: F403
from portal.settings.security import *  # noqa: F403
