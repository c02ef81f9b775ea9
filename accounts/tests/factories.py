from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts import team, team_roles
from accounts.models import Invite, TeamInvite, hash_token

DEFAULT_PASSWORD = "correct-horse-battery-9"


class UserFactory(factory.django.DjangoModelFactory):
    """An active merchant who can log in with DEFAULT_PASSWORD; `UserFactory(staff=True)` makes a staff member."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    class Params:
        staff = factory.Trait(is_staff=True, email=factory.Sequence(lambda n: f"staff{n}@evosync.local"))

    @classmethod
    def _create(cls, model_class, *args, joins_team=False, **kwargs):
        """`joins_team=True`: an account made to join a colleague's shop, owning none of its own."""
        user = model_class(*args, **kwargs)
        user.joins_team = joins_team
        user.save()
        return user

    email = factory.Sequence(lambda n: f"merchant{n}@example.com")
    full_name = factory.Faker("name", locale="ru_RU")
    phone = factory.Sequence(lambda n: f"+7900{n:07d}")
    status = "active"

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or DEFAULT_PASSWORD)
        if create:
            self.save(update_fields=["password"])

    @factory.post_generation
    def email_address(self, create, extracted, **kwargs):
        """allauth's row for the email: verified unless the account still waits for confirmation."""
        if create:
            verified = self.status != "pending"
            EmailAddress.objects.create(user=self, email=self.email, primary=True, verified=verified)


class InviteFactory(factory.django.DjangoModelFactory):
    """An open invite; its plain token is `invite.token` (only tests ever see it)."""

    class Meta:
        model = Invite

    token = factory.Sequence(lambda n: f"invite-token-{n}-abcdefghijklmnop")
    email = factory.Sequence(lambda n: f"invited{n}@example.com")
    created_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=settings.INVITE_EXPIRE_HOURS))

    @classmethod
    def _create(cls, model_class, *args, token, **kwargs):
        invite = super()._create(model_class, *args, token_hash=hash_token(token), **kwargs)
        invite.token = token
        return invite


def member_of(shop, *, role: str = team_roles.MANAGER, **fields):
    """A colleague in `shop`'s team with `role` (an account owning no shop of its own)."""
    member = UserFactory(joins_team=True, **fields)
    team.change_role(shop=shop, member=member, role=role)
    return member


class TeamInviteFactory(factory.django.DjangoModelFactory):
    """A pending invitation to a shop's team; its link is `team.invite_token(invite)`."""

    class Meta:
        model = TeamInvite

    shop = factory.SubFactory(UserFactory)
    email = factory.Sequence(lambda n: f"colleague{n}@example.com")
    role = team_roles.MANAGER
    created_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=settings.TEAM_INVITE_EXPIRE_HOURS))
