"""`{% count_of number opts %}`: «5 пользователей» — a count with its model's name in the right plural form."""

from django import template
from django.contrib.admin.utils import model_ngettext

register = template.Library()


@register.simple_tag
def count_of(number, opts) -> str:
    """Django's admin writes `verbose_name` for 1 and `verbose_name_plural` otherwise («5 пользователи»);
    model_ngettext asks the translation catalog, whose Russian has the three forms (evosync/locale)."""
    return f"{number} {model_ngettext(opts, number)}"
