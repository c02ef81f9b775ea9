from django import template

from connections.fields import mask

register = template.Library()


@register.filter
def masked(secret: str) -> str:
    """A token as a page may show it: its last four characters."""
    return mask(secret)
