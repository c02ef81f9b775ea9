import pytest

from core.plurals import count, plural

FORMS = ("пользователь", "пользователя", "пользователей")


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        (0, "0 пользователей"),
        (1, "1 пользователь"),
        (3, "3 пользователя"),
        (5, "5 пользователей"),
        (11, "11 пользователей"),
        (12, "12 пользователей"),
        (14, "14 пользователей"),
        (21, "21 пользователь"),
        (22, "22 пользователя"),
        (111, "111 пользователей"),
        (1001, "1001 пользователь"),
    ],
)
def test_count_takes_the_russian_form_for_its_number(number, expected):
    assert count(number, *FORMS) == expected


def test_plural_of_a_negative_number_follows_its_absolute_value():
    assert plural(-3, *FORMS) == "пользователя"
