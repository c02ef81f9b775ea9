"""Whole numbers out of what people and other systems type.

`str.isdigit()` is true for `²` and `¹²³`, on which `int()` raises; `int()` itself reads Arabic-Indic and other
Unicode digits. An id or a count written anywhere but in ASCII digits is not one: these helpers say so.
"""

import re

_ASCII_INT = re.compile(r"-?[0-9]+", re.ASCII)
MAX_DIGITS = 30  # far past any id; keeps int() away from its 4,300-digit limit


def is_ascii_int(text: object, *, signed: bool = False) -> bool:
    """Whether `text` is a str of ASCII digits (with a leading `-` when `signed`), at most MAX_DIGITS long."""
    if not isinstance(text, str) or not 0 < len(text.lstrip("-")) <= MAX_DIGITS:
        return False
    return bool(_ASCII_INT.fullmatch(text)) and (signed or not text.startswith("-"))


def ascii_int(text: object, *, signed: bool = False) -> int | None:
    """The number `text` spells in ASCII digits, else None (never raises)."""
    return int(text) if is_ascii_int(text, signed=signed) else None
