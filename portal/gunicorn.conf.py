"""gunicorn settings for the production image (``gunicorn -c portal/gunicorn.conf.py portal.wsgi``).

Access logs go to stdout with the signed response tokens redacted (portal/logsafe.py). The client address in
the log is the proxy's; the portal itself reads the real one from X-Forwarded-For of TRUSTED_PROXIES only.
Its variables are read through the same reader as the settings (portal/env.py) and listed in .env.example.
"""

# gunicorn puts its working folder (the repository, /app in the image) on the import path before reading this.
from portal.env import env

bind = env.str("GUNICORN_BIND", default="0.0.0.0:8000")
workers = env.int("GUNICORN_WORKERS", default=4)
# Threads per worker (gthread): a request waiting on PostgreSQL, Redis or the disk no longer holds a whole
# process. With sync workers, fifty people pressing "Send my request" together queued behind each other's
# database round trips and fsyncs, and every page or API call that arrived meanwhile waited behind them
# (benchmarks/load/REPORT.md). The embedded default runs the same 4 threads (portal/embedded.py).
threads = env.int("GUNICORN_THREADS", default=4)
# Threaded workers keep connections open between requests (sync workers close each one). Longer than any
# client's idle time between two requests: with gunicorn's 2 s default, the API pollers and the board's refresh
# had their next request land on a connection the server was closing (connection reset; measured by
# benchmarks/load/run.py). Idle connections wait in the poller, not on a thread. As in portal/embedded.py.
keepalive = env.int("GUNICORN_KEEPALIVE", default=75)
accesslog = "-"
# Files written by the server and its workers are readable by their owner only (portal/wsgi.py sets it too).
umask = 0o077
logger_class = "portal.logsafe.RedactingGunicornLogger"
# Uploads up to the 25 MB limit stay in memory (Django's FILE_UPLOAD_MAX_MEMORY_SIZE); requests are cut off
# by gunicorn after this many seconds.
timeout = env.int("GUNICORN_TIMEOUT", default=60)
