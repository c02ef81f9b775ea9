"""The one place that decides which merchant objects a user may reach.

Every model a merchant owns has a `merchant` foreign key to the user. Merchant pages
fetch objects only through these helpers, so merchant A gets 404 for B's ids.
Staff see everything through the admin.
"""

from django.db import models
from django.shortcuts import get_object_or_404


class OwnedQuerySet(models.QuerySet):
    def owned_by(self, user):
        if not user.is_authenticated:
            return self.none()
        return self.filter(merchant=user)


OwnedManager = models.Manager.from_queryset(OwnedQuerySet)


def get_owned_or_404(model_or_queryset, user, **lookup):
    """The object matching `lookup` among those `user` owns, else Http404."""
    queryset = model_or_queryset
    if isinstance(model_or_queryset, type):
        queryset = model_or_queryset._default_manager.all()
    return get_object_or_404(queryset.owned_by(user), **lookup)
