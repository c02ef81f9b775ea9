"""Whole numbers from typed text: ASCII digits only, never an exception."""

import pytest

from core.numbers import ascii_int, is_ascii_int

NOT_NUMBERS = ["²", "¹²³", "١٢٣", "٣", "", "-", "--1", " 1", "1 ", "1e3", "0x1", "1" * 31, None, 5, []]


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_it_refuses_anything_but_ascii_digits(text):
    assert ascii_int(text) is None and ascii_int(text, signed=True) is None
    assert not is_ascii_int(text)


def test_it_reads_ascii_digits_and_a_sign_only_when_asked():
    assert ascii_int("0123") == 123
    assert ascii_int("-7001") is None
    assert ascii_int("-7001", signed=True) == -7001
