"""A phone is ASCII digits with + ( ) - and spaces: other scripts' digits are refused in words."""

import pytest
from django import forms

from accounts.signup_form import clean_phone


@pytest.mark.parametrize("phone", ["+٧ ٩٠٠ ١٢٣-٤٥-٦٧", "+7 ⁹⁰⁰ 123-45-67", "+7\t900\n123-45-67", "+7 900 123-45-6²"])
def test_a_phone_in_other_digits_is_refused(phone):
    with pytest.raises(forms.ValidationError):
        clean_phone(phone)


def test_a_phone_in_ascii_digits_is_kept_as_typed():
    assert clean_phone(" +7 (900) 123-45-67 ") == "+7 (900) 123-45-67"
