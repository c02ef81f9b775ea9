"""Russian plural forms for counts our own code writes: «1 пользователь, 3 пользователя, 5 пользователей».

Django's ngettext picks forms from a translation catalog; our messages are written in Russian in the code, so
they choose their form here. Names of models in the admin go through Django's machinery instead (their forms
are in evosync/locale/ru/LC_MESSAGES/django.po).
"""


def plural(number: int, one: str, few: str, many: str) -> str:
    """The form of a noun after `number`: `one` for 1, 21, 101…; `few` for 2–4, 22–24…; `many` for the rest."""
    number = abs(int(number))
    if number % 10 == 1 and number % 100 != 11:
        return one
    if 2 <= number % 10 <= 4 and not 12 <= number % 100 <= 14:
        return few
    return many


def count(number: int, one: str, few: str, many: str) -> str:
    """The number and its noun: `count(5, "секунда", "секунды", "секунд")` → «5 секунд»."""
    return f"{number} {plural(number, one, few, many)}"
