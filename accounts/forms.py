"""Forms of the merchant pages, and allauth's password-reset form with clear errors."""

from allauth.account import forms as allauth_forms
from django import forms
from django.contrib.auth import password_validation

from accounts import team_roles
from accounts.models import User
from accounts.signup_form import clean_phone


class ResetPasswordForm(allauth_forms.ResetPasswordForm):
    """allauth's reset form, but a pending or suspended account hears why no link is coming."""

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        user = User.objects.filter(email__iexact=email).first()
        if user is not None and user.status == User.Status.PENDING:
            raise forms.ValidationError(
                "Этот email ещё не подтверждён. Откройте ссылку из письма или отправьте его ещё раз.",
                code="pending",
            )
        if user is not None and user.status == User.Status.SUSPENDED:
            raise forms.ValidationError("Аккаунт заблокирован. Напишите в поддержку EvoSync.", code="suspended")
        return super().clean_email()


class ResendConfirmationForm(forms.Form):
    email = forms.EmailField(label="Email")


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "phone", "language", "notify_by_mail", "notify_by_vk"]
        labels = {
            "full_name": "Имя и фамилия",
            "phone": "Телефон",
            "language": "Язык писем",
            "notify_by_mail": "Уведомлять письмом",
            "notify_by_vk": "Уведомлять сообщением от сообщества в VK",
        }
        help_texts = {
            "notify_by_vk": "Нужен токен сообщества (страница «Подключения») и разрешённые сообщения от сообщества.",
        }

    def clean_phone(self):
        return clean_phone(self.cleaned_data["phone"])


class PasswordConfirmForm(forms.Form):
    """Asks for the current password before something that can't be undone."""

    password = forms.CharField(label="Текущий пароль", widget=forms.PasswordInput(attrs={"autocomplete": "off"}))

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("Неверный пароль.")
        return password


class InviteAcceptForm(forms.Form):
    full_name = forms.CharField(label="Имя и фамилия", max_length=150)
    phone = forms.CharField(label="Телефон", max_length=32, required=False)
    password1 = forms.CharField(
        label="Пароль",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Пароль ещё раз", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, email, **kwargs):
        self.email = email
        super().__init__(*args, **kwargs)

    def clean_phone(self):
        return clean_phone(self.cleaned_data["phone"])

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", "Пароли не совпадают.")
        elif password1:
            candidate = User(email=self.email, full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(password1, user=candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class TeamInviteForm(forms.Form):
    email = forms.EmailField(label="Email коллеги")
    role = forms.ChoiceField(label="Роль", choices=team_roles.ROLE_CHOICES, initial=team_roles.VIEWER)

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class TeamRoleForm(forms.Form):
    role = forms.ChoiceField(label="Роль", choices=team_roles.ROLE_CHOICES)
