"""Django's SQLite backend, creating the database file's folder on the first connection.

SQLite creates the file but not its folder. On the embedded default the file lives in ``VAR_DIR``, which a
fresh clone does not have yet; creating it here, where the file is opened, lets ``manage.py migrate``, the
web server, the worker and the test runner start in any order without settings touching the disk at import.
"""

from __future__ import annotations

from pathlib import Path

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        name = str(conn_params["database"])
        # In-memory databases and "file:" URIs have no folder of their own to create.
        if not self.creation.is_in_memory_db(name) and not name.startswith("file:"):
            Path(name).parent.mkdir(parents=True, exist_ok=True)
        return super().get_new_connection(conn_params)
