"""The merchant's account pages, at the paths a merchant types; allauth's views behind most of them.

allauth's own URLs stay under `accounts/` for the pages EvoSync doesn't rename (email management,
set password, reauthenticate). The named paths below come after them, so `reverse()` and every
link allauth builds (mails included) point to the EvoSync paths.
"""

from allauth.account import views as allauth_views
from django.urls import include, path, re_path

from accounts import team_views, views

urlpatterns = [
    path("accounts/", include("allauth.urls")),
    path("", views.home, name="home"),
    path("register", allauth_views.signup, name="account_signup"),
    path("confirm-email", allauth_views.email_verification_sent, name="account_email_verification_sent"),
    re_path(r"^confirm-email/(?P<key>[-:\w]+)$", allauth_views.confirm_email, name="account_confirm_email"),
    path("resend-confirm", views.resend_confirmation, name="resend_confirmation"),
    path("login", views.login, name="account_login"),
    path("login/inactive", allauth_views.account_inactive, name="account_inactive"),
    path("logout", views.logout, name="account_logout"),
    path("forgot-password", allauth_views.password_reset, name="account_reset_password"),
    path("forgot-password/sent", allauth_views.password_reset_done, name="account_reset_password_done"),
    path(
        "reset-password/done", allauth_views.password_reset_from_key_done, name="account_reset_password_from_key_done"
    ),
    re_path(
        r"^reset-password/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)$",
        allauth_views.password_reset_from_key,
        name="account_reset_password_from_key",
    ),
    path("invite", views.invite_accept, name="invite"),
    path("invite/<str:token>", views.invite_link, name="invite_link"),
    path("profile", views.profile, name="profile"),
    path("profile/edit", views.profile_edit, name="profile_edit"),
    path("profile/history", views.profile_history, name="profile_history"),
    path("profile/change-password", allauth_views.password_change, name="account_change_password"),
    path("profile/delete", views.profile_delete, name="profile_delete"),
    path("team", team_views.team_page, name="team"),
    path("team/invite", team_views.invite, name="team_invite"),
    path("team/members/<int:member_id>/role", team_views.change_role, name="team_member_role"),
    path("team/members/<int:member_id>/remove", team_views.remove_member, name="team_member_remove"),
    path("team/invites/<int:invite_id>/revoke", team_views.revoke_invite, name="team_invite_revoke"),
    path("team/join", team_views.join, name="team_join"),
    path("team/join/<str:token>", team_views.invite_link, name="team_invite_link"),
    path("shop", team_views.switch_shop, name="switch_shop"),
    # The foundation's names for the same pages; other apps may use them.
    path("login", views.login, name="login"),
    path("logout", views.logout, name="logout"),
]
