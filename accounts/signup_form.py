"""The sign-up extras (allauth's ACCOUNT_SIGNUP_FORM_CLASS). allauth imports this module while it
builds its own forms, so it must not import `allauth.account.forms`."""

import re

from django import forms

PHONE_CHARS = re.compile(r"^\+?[0-9 ()\-]+$")  # ASCII digits only: `\d` takes ٩ and other scripts


def clean_phone(value: str) -> str:
    """Keep the phone as typed, but make sure it is one: digits with + ( ) - and spaces, 10-15 digits."""
    value = value.strip()
    digits = re.sub(r"[^0-9]", "", value)
    if value and (not PHONE_CHARS.match(value) or not 10 <= len(digits) <= 15):
        raise forms.ValidationError("Введите телефон цифрами, например +7 900 123-45-67.")
    return value


class SignupExtraForm(forms.Form):
    """What /register asks besides email and password (allauth's ACCOUNT_SIGNUP_FORM_CLASS)."""

    full_name = forms.CharField(label="Имя и фамилия", max_length=150)
    phone = forms.CharField(label="Телефон", max_length=32, help_text="Например, +7 900 123-45-67")

    def clean_phone(self):
        return clean_phone(self.cleaned_data["phone"])

    def signup(self, request, user):
        user.full_name = self.cleaned_data["full_name"].strip()
        user.phone = self.cleaned_data["phone"]
        user.save(update_fields=["full_name", "phone"])
