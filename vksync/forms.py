"""The merchant's sync settings form."""

import string
from decimal import Decimal

from django import forms
from django.conf import settings

from vksync import rules
from vksync.models import SyncSettings
from vksync.selectors import first_sync_done

PHOTO_FORMATS = ("JPEG", "PNG", "GIF")
PERCENT_MIN, PERCENT_MAX = int(rules.BRAKE_SHARE_MIN * 100), int(rules.BRAKE_SHARE_MAX * 100)


class PercentField(forms.IntegerField):
    """A whole percentage as the merchant types it: «30», «30%» or «30 %»."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace("%", "").replace("\u00a0", "").strip()
        return super().to_python(value)


class SyncSettingsForm(forms.ModelForm):
    # The safeguard's share of the shop, shown and typed as a percentage; stored as a share (0.30) as before.
    brake_percent = PercentField(
        label="Защита от массового скрытия, %",
        min_value=PERCENT_MIN,
        max_value=PERCENT_MAX,
        error_messages={
            "min_value": "Укажите процент от 1 до 100.",
            "max_value": "Укажите процент от 1 до 100.",
            "invalid": "Укажите процент целым числом от 1 до 100, например 30.",
        },
        help_text="Если одна синхронизация скрыла бы в VK больше этой доли товаров магазина (например, 30 %), "
        "она остановится, покажет, что собирается скрыть, и продолжит только после вашего подтверждения.",
    )

    class Meta:
        model = SyncSettings
        fields = [
            "enabled",
            "category_id",
            "markup_percent",
            "rounding",
            "old_price_markup_percent",
            "description_template",
            "unavailable_if_no_stock",
            "unavailable_if_not_for_sale",
            "unavailable_action",
            "delete_grace_days",
            "send_stock",
            "albums_mode",
            "albums_across_stores",
            "sku_key",
            "unit_label",
            "default_photo",
            "brake_percent",
        ]
        widgets = {"description_template": forms.Textarea(attrs={"rows": 4, "cols": 60})}
        help_texts = {
            "description_template": "Поля: {description}, {article}, {barcode}, {measure}, {name}, {price}, "
            "{per_unit} («за 1 кг» у весовых товаров). "
            "Ссылки убираются, короткое описание дополняется до 10 символов.",
            "unit_label": "VK показывает цену за товар и считает остаток целыми штуками. Товар, который продаётся "
            "на кг, л или м, уходит в VK как 1 кг (1 л, 1 м) по цене за единицу, с остатком в целых единицах.",
            "delete_grace_days": "Только для «Скрывать, затем удалять»: недоступный товар сначала скрывается "
            "и удаляется из VK, если остаётся недоступным столько дней.",
            "albums_across_stores": "Если в VK идут несколько магазинов и в них есть группы с одним названием: "
            "одна подборка «Бакалея» с товарами всех магазинов, или у каждого магазина своя — "
            "«Бакалея — Магазин на Ленина». Подборки, созданные вами в VK вручную, EvoSync не трогает.",
        }
        labels = {"delete_grace_days": "Удалять скрытые товары через, дней"}

    # The browser's hint; the model's validators (bounds in vksync.rules) are what refuse a value.
    BOUNDS = {
        "category_id": (1, rules.CATEGORY_ID_MAX),
        "markup_percent": (rules.MARKUP_MIN, rules.MARKUP_MAX),
        "old_price_markup_percent": (rules.MARKUP_MIN, rules.MARKUP_MAX),
        "delete_grace_days": (0, rules.GRACE_DAYS_MAX),
        "brake_percent": (PERCENT_MIN, PERCENT_MAX),
    }

    def __init__(self, *args, categories=None, groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        for name, (low, high) in self.BOUNDS.items():
            self.fields[name].widget.attrs.update(min=str(low), max=str(high))
        self.fields["brake_percent"].initial = round(rules.brake_share(self.instance.brake_share) * 100)
        self._delete_days_only_when_deleting()
        if categories:
            self.fields["category_id"] = forms.TypedChoiceField(
                label="Категория VK", choices=categories, coerce=int, initial=self.instance.category_id
            )
        # Optional category per Evotor group: empty means the shop's category above.
        current = self.instance.group_categories or {}
        self.group_fields = []
        for evotor_id, name in groups:
            field_name = f"group_category_{evotor_id}"
            if categories:
                field = forms.TypedChoiceField(
                    choices=[("", "— как у магазина —"), *categories], coerce=int, empty_value=None, required=False
                )
            else:
                field = forms.IntegerField(min_value=1, max_value=rules.CATEGORY_ID_MAX, required=False)
            field.label, field.initial = f"Категория для группы «{name}»", current.get(evotor_id)
            self.fields[field_name] = field
            self.group_fields.append((evotor_id, field_name))

    def _delete_days_only_when_deleting(self):
        """«Удалять через, дней» applies to «Скрывать, затем удалять» only: the page shows it only then
        (evosync.js, data-show-if), and a form sent with another choice leaves the stored days as they are."""
        days = self.fields["delete_grace_days"]
        days.widget.attrs["data-show-if"] = f"unavailable_action={SyncSettings.UnavailableAction.DELETE}"
        if self.is_bound and self.data.get("unavailable_action") != SyncSettings.UnavailableAction.DELETE:
            days.disabled = True  # Django keeps the stored value of a disabled field and ignores what was sent

    def save(self, commit=True):
        self.instance.brake_share = Decimal(self.cleaned_data["brake_percent"]) / 100
        self.instance.group_categories = {
            evotor_id: self.cleaned_data[name] for evotor_id, name in self.group_fields if self.cleaned_data.get(name)
        }
        return super().save(commit=commit)

    def clean_description_template(self):
        template = self.cleaned_data["description_template"]
        try:
            names = [field for _, field, _, _ in string.Formatter().parse(template) if field]
        except ValueError:
            raise forms.ValidationError("В шаблоне незакрытая фигурная скобка.")
        unknown = sorted(set(names) - set(rules.TEMPLATE_FIELDS))
        if unknown:
            raise forms.ValidationError(f"Неизвестные поля: {', '.join(unknown)}")
        return template

    def clean_default_photo(self):
        """A picture VK will take for every product without one: small enough, an image, VK's sizes."""
        photo = self.cleaned_data.get("default_photo")
        image = getattr(photo, "image", None)  # set by forms.ImageField on a new upload only
        if not photo or image is None:
            return photo
        limit = settings.SYNC_DEFAULT_PHOTO_MAX_BYTES
        if photo.size > limit:
            raise forms.ValidationError(
                f"Фото больше {limit / 1024 / 1024:.0f} МБ. Уменьшите его и загрузите ещё раз.", code="too_big"
            )
        if image.format not in PHOTO_FORMATS:
            raise forms.ValidationError("Загрузите фото в формате JPEG, PNG или GIF.", code="format")
        width, height = image.size
        if min(width, height) < rules.VK_PHOTO_MIN_SIDE or width + height > rules.VK_PHOTO_MAX_SIDES_SUM:
            raise forms.ValidationError(
                f"VK принимает фото товара от {rules.VK_PHOTO_MIN_SIDE}×{rules.VK_PHOTO_MIN_SIDE} точек, "
                f"с суммой сторон не больше {rules.VK_PHOTO_MAX_SIDES_SUM}; у этого {width}×{height}.",
                code="size",
            )
        return photo

    def clean_enabled(self):
        enabled = self.cleaned_data["enabled"]
        confirmed = first_sync_done(self.instance.merchant)
        if enabled and not self.instance.enabled and not confirmed:
            raise forms.ValidationError(
                "Сначала посмотрите и подтвердите план первой синхронизации на странице «Синхронизация»."
            )
        return enabled
