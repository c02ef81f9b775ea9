"""Set-up the browser tests cannot do through pages, run in the live EvoSync's database by `harness.seed`:

python -m evosync.tests.browser.seed staff EMAIL PASSWORD         a staff member (role "admin")
python -m evosync.tests.browser.seed link-evotor EMAIL USER_ID    the merchant installed our app in Evotor
python -m evosync.tests.browser.seed member EMAIL PASSWORD SHOP_EMAIL ROLE   a colleague in the shop's team
"""

import sys

import django


def staff(email: str, password: str) -> None:
    from accounts import roles
    from accounts.services import set_role
    from accounts.tests.factories import UserFactory

    set_role(user=UserFactory(email=email, password=password, full_name="Ольга Сотрудник"), role=roles.ADMIN)


def link_evotor(email: str, evotor_user_id: str) -> None:
    """What Evotor's install ends in for an existing account: its Evotor user id is linked to the connection."""
    from django.contrib.auth import get_user_model

    from connections.evotor.services import evotor_link_user

    evotor_link_user(merchant=get_user_model().objects.get(email=email), evotor_user_id=evotor_user_id)


def member(email: str, password: str, shop_email: str, role: str) -> None:
    """A colleague who joined the shop's team with `role` (viewer, manager, owner) and owns no shop."""
    from django.contrib.auth import get_user_model

    from accounts.tests.factories import member_of

    shop = get_user_model().objects.get(email=shop_email)
    member_of(shop, role=role, email=email, password=password, full_name="Пётр Коллега")


COMMANDS = {"staff": staff, "link-evotor": link_evotor, "member": member}

if __name__ == "__main__":
    django.setup()
    COMMANDS[sys.argv[1]](*sys.argv[2:])
