"""The pages behind the mailed link: the account's owner sees which Evotor user asks to be linked, and
confirms or refuses. Opening the page decides nothing (mail scanners open links); only its form does."""

from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from webhooks import linking

SESSION_KEY = "webhooks_evotor_link_token"
STATUS = {
    linking.CONFIRMED: 200,
    linking.REFUSED: 200,
    linking.CONFLICT: 409,
    linking.EXPIRED: 410,
    linking.DECIDED: 410,
    "unknown": 404,
}


@require_GET
def link_request_link(request, token):
    """The link from the mail: keep the token in the session and move on, so it stays out of Referer headers
    and of anything that logs later requests."""
    request.session[SESSION_KEY] = token
    return redirect("evotor-link-decide")


@require_http_methods(["GET", "POST"])
def link_request_decide(request):
    link_request = linking.by_token(request.session.get(SESSION_KEY, ""))
    if link_request is None:
        return _page(request, "unknown")
    if link_request.status != link_request.Status.OPEN:
        return _page(request, linking.DECIDED, link_request)
    if link_request.is_expired:
        return _page(request, linking.EXPIRED, link_request)
    decision = request.POST.get("decision") if request.method == "POST" else None
    if decision not in ("confirm", "refuse"):
        return _page(request, "open", link_request, status=400 if request.method == "POST" else 200)
    outcome = linking.decide(link_request=link_request, confirm=decision == "confirm")
    request.session.pop(SESSION_KEY, None)
    return _page(request, outcome, link_request)


def _page(request, state, link_request=None, status=None):
    context = {"state": state, "link_request": link_request}
    return render(request, "webhooks/link_request.html", context, status=status or STATUS.get(state, 200))
