"""Who can act on a site: the host's addresses (DNS), whether a CDN or reverse proxy sits
in front (published IP ranges), the network owner and the registrar with their abuse contacts (RDAP).

Plain library code with no database: :mod:`takedowns.services.hosts` caches the results in ``HostIdentity``.
Every HTTP request goes through :mod:`takedowns.fetch`; DNS goes through an injectable resolver.
"""
