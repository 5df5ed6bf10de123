"""The host identity of a location on the advocate's case page (templates/takedowns/_host_identity.html)."""

from django import template

register = template.Library()


@register.filter
def for_host(identities, host):
    """``identities`` is the view's ``{host: HostIdentity}`` (one query for the page); None when absent."""
    return (identities or {}).get(host)
