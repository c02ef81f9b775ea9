"""«Команда»: the shop's owner invites colleagues, changes their roles, removes them, revokes invitations;
the invitation's link, accepted by the invitee once logged in; the shop switcher of the header."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts import team, team_roles
from accounts.access import pick_shop, shop_permission, shops_of
from accounts.adapter import TEAM_INVITE_SESSION_KEY
from accounts.forms import TeamInviteForm, TeamRoleForm
from accounts.models import TeamInvite, User

LAST_OWNER = "У магазина должен остаться хотя бы один владелец: сначала назначьте владельцем другого участника."


@shop_permission(team_roles.TEAM)
def team_page(request):
    return _team_page(request, form=None)


def _team_page(request, *, form):
    shop = request.shop
    context = {
        "members": team.members(shop),
        "invites": TeamInvite.objects.pending().filter(shop=shop).select_related("invited_by"),
        "form": form or TeamInviteForm(),
        "roles": team_roles.ROLE_CHOICES,
        "hints": [(team_roles.ROLE_NAMES[role], hint) for role, hint in team_roles.ROLE_HINTS.items()],
    }
    return render(request, "accounts/team.html", context, status=400 if form is not None else 200)


@shop_permission(team_roles.TEAM)
@require_POST
def invite(request):
    form = TeamInviteForm(request.POST)
    if not form.is_valid():
        return _team_page(request, form=form)
    invite = team.invite_member(shop=request.shop, invited_by=request.user, **form.cleaned_data)
    messages.success(request, f"Приглашение отправлено на {invite.email}.")
    return redirect("team")


def _member(request, member_id: int) -> User:
    """A member of the current shop, else 404 (a person of another shop is not found here)."""
    member = get_object_or_404(User, pk=member_id)
    if team.role_on(request.shop, member) is None:
        raise Http404("not a member of this shop")
    return member


@shop_permission(team_roles.TEAM)
@require_POST
def change_role(request, member_id: int):
    member = _member(request, member_id)
    form = TeamRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Выберите роль из списка.")
        return redirect("team")
    try:
        team.change_role(shop=request.shop, member=member, role=form.cleaned_data["role"])
    except team.LastOwner:
        messages.error(request, LAST_OWNER)
        return redirect("team")
    messages.success(request, f"Роль {member.email}: «{team_roles.ROLE_NAMES[form.cleaned_data['role']]}».")
    return redirect("team")


@shop_permission(team_roles.TEAM)
@require_POST
def remove_member(request, member_id: int):
    member = _member(request, member_id)
    try:
        team.remove_member(shop=request.shop, member=member)
    except team.LastOwner:
        messages.error(request, LAST_OWNER)
        return redirect("team")
    messages.success(request, f"{member.email} больше не в команде.")
    return redirect("team")


@shop_permission(team_roles.TEAM)
@require_POST
def revoke_invite(request, invite_id: int):
    invite = get_object_or_404(TeamInvite, pk=invite_id, shop=request.shop)
    if team.revoke_invite(invite=invite):
        messages.success(request, f"Приглашение для {invite.email} отозвано.")
    return redirect("team")


def invite_link(request, token: str):
    """The mailed link: the token goes to the session and the page moves to /team/join (no token in Referer)."""
    request.session[TEAM_INVITE_SESSION_KEY] = token
    return redirect("team_join")


@require_http_methods(["GET", "POST"])
def join(request):
    """The invitee sees the shop and the role, logs in or signs up if need be, and accepts."""
    token = request.session.get(TEAM_INVITE_SESSION_KEY, "")
    try:
        invite = team.invite_by_token(token)
    except team.InviteUnusable as error:
        return render(request, "accounts/team_join.html", {"reason": error.reason}, status=410)
    context = {"invite": invite, "role": team_roles.ROLE_NAMES[invite.role], "hint": team_roles.ROLE_HINTS[invite.role]}
    if not request.user.is_authenticated:
        return render(request, "accounts/team_join.html", context)
    if request.user.email.lower() != invite.email.lower():
        return render(request, "accounts/team_join.html", {**context, "reason": "other_email"}, status=403)
    if request.method == "POST":
        try:
            team.accept_invite(invite=invite, user=request.user)
        except team.InviteUnusable as error:
            return render(request, "accounts/team_join.html", {"reason": error.reason}, status=410)
        request.session.pop(TEAM_INVITE_SESSION_KEY, None)
        pick_shop(request, invite.shop_id)
        messages.success(request, f"Вы в команде магазина {invite.shop.get_full_name()}.")
        return redirect("merchant_home")
    return render(request, "accounts/team_join.html", context)


@require_POST
@login_required
def switch_shop(request):
    """The header's switcher: the shop the pages show from now on."""
    try:
        shop_id = int(request.POST.get("shop", ""))
    except ValueError:
        shop_id = 0
    if not pick_shop(request, shop_id):
        messages.error(request, "Этот магазин вам недоступен.")
    return redirect("merchant_home")


def shop_choices(user) -> list[User]:
    return list(shops_of(user)[:50])
