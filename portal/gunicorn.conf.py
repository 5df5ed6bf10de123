"""gunicorn settings for the production image (``gunicorn -c portal/gunicorn.conf.py portal.wsgi``).

Access logs go to stdout with the signed response tokens redacted (portal/logsafe.py). The client address in
the log is the proxy's; the portal itself reads the real one from X-Forwarded-For of TRUSTED_PROXIES only.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
accesslog = "-"
# Files written by the server and its workers are readable by their owner only (portal/wsgi.py sets it too).
umask = 0o077
logger_class = "portal.logsafe.RedactingGunicornLogger"
# Uploads up to the 25 MB limit stay in memory (Django's FILE_UPLOAD_MAX_MEMORY_SIZE); requests are cut off
# by gunicorn after this many seconds.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
