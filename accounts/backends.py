from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class EmailStatusBackend(ModelBackend):
    """Email + password, case-insensitive email; only `active` users authenticate."""

    def authenticate(self, request, username=None, password=None, email=None, **kwargs):
        login = email or username or kwargs.get(get_user_model().USERNAME_FIELD)
        if not login or password is None:
            return None
        return super().authenticate(request, username=login.strip().lower(), password=password)
