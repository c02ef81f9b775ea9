"""Evotor's modifications read as plain values: a product group declaring attributes is one card, each of its
products one modification with its choice of every attribute («Размер: M», «Цвет: красный»).

Pure functions on the JSON Evotor sends; the field names are settings (EVOTOR_VARIANT_*), the reference being thin.
"""

from django.conf import settings

NAME_MAX = 60  # an attribute's or a choice's name kept (VK takes 60 characters of a property value)


def _name(value) -> str:
    return " ".join(str(value or "").split())[:NAME_MAX]


def group_attributes(data: dict) -> list[dict]:
    """The attributes a group declares, as [{id, name, choices: [{id, name}]}]; [] for an ordinary group."""
    raw = data.get(settings.EVOTOR_VARIANT_ATTRIBUTES_FIELD)
    attributes = []
    for attribute in raw if isinstance(raw, list) else []:
        if not isinstance(attribute, dict) or not _name(attribute.get("name")):
            continue
        choices = attribute.get("choices") if isinstance(attribute.get("choices"), list) else []
        attributes.append(
            {
                "id": str(attribute.get("id") or _name(attribute.get("name"))),
                "name": _name(attribute.get("name")),
                "choices": [
                    {"id": str(c.get("id") or _name(c.get("name"))), "name": _name(c.get("name"))}
                    for c in choices
                    if isinstance(c, dict) and _name(c.get("name"))
                ],
            }
        )
    return attributes


def product_choices(extra: dict | None) -> dict:
    """A product's {attribute: choice} as Evotor sent it (kept in Product.extra), or {}."""
    raw = (extra or {}).get(settings.EVOTOR_VARIANT_CHOICES_FIELD)
    return raw if isinstance(raw, dict) else {}


def variant_values(attributes: list[dict], choices: dict) -> tuple[tuple[str, str], ...]:
    """((attribute name, choice name), …) in the order the group declares its attributes.

    An attribute is found by id or by name, a choice by id, by name, or taken as the value itself; an attribute
    the product has no choice for is left out (the caller decides what a modification lacking one means)."""
    values = []
    for attribute in attributes:
        picked = choices.get(attribute["id"], choices.get(attribute["name"]))
        if picked in (None, ""):
            continue
        if isinstance(picked, dict):
            picked = picked.get("id") or picked.get("name")
        by_id = {c["id"]: c["name"] for c in attribute["choices"]}
        value = by_id.get(str(picked)) or _name(picked)
        if value:
            values.append((attribute["name"], value))
    return tuple(values)
