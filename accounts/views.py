from allauth.account import views as allauth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render


def home(request):
    return redirect("profile" if request.user.is_authenticated else "login")


login = allauth_views.LoginView.as_view()
logout = allauth_views.LogoutView.as_view()


@login_required
def profile(request):
    return render(request, "accounts/profile.html")
