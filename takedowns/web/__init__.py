"""The web layer, by audience (CONVENTIONS.md §16): views parse the request, call one selector or service and
render. ``victim/`` (no account: intake, status, withdrawal, erasure), ``advocate.py`` (staff dashboard, case
page, notice actions, outbox), ``platform.py`` (inbox, notice page, the signed response link), ``public.py``
(home, health) and ``common.py`` (what more than one audience shares). Every URL is in ``urls.py``."""
