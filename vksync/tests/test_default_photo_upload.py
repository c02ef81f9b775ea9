"""The default product photo uploaded on the sync settings page: at most SYNC_DEFAULT_PHOTO_MAX_BYTES,
an image VK takes, refused in words otherwise (issue 12, finding 10)."""

import io
import os

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from accounts.tests.factories import UserFactory
from vksync.models import SyncSettings
from vksync.tests.helpers import SETTINGS_FORM

VALID = SETTINGS_FORM


@pytest.fixture
def merchant(db, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    user = UserFactory()
    client.force_login(user)
    return user


def picture(width=800, height=800, kind="PNG", noise=False) -> bytes:
    image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)) if noise else None
    image = image or Image.new("RGB", (width, height), (200, 120, 40))
    out = io.BytesIO()
    image.save(out, kind)
    return out.getvalue()


def upload(client, content: bytes, name="photo.png"):
    photo = SimpleUploadedFile(name, content, content_type="image/png")
    return client.post(reverse("sync_settings"), VALID | {"default_photo": photo})


def photo_errors(response) -> str:
    assert response.status_code == 200
    return " ".join(response.context["form"].errors.get("default_photo", []))


def test_the_limit_is_5_mb_by_default():
    assert django_settings.SYNC_DEFAULT_PHOTO_MAX_BYTES == 5 * 1024 * 1024


def test_a_photo_over_the_limit_is_refused_with_the_limit_in_words(client, merchant, settings):
    settings.SYNC_DEFAULT_PHOTO_MAX_BYTES = 1024 * 1024
    content = picture(700, 700, noise=True)
    assert len(content) > 1024 * 1024
    assert "Фото больше 1 МБ" in photo_errors(upload(client, content))
    assert not SyncSettings.objects.get(merchant=merchant).default_photo


def test_a_6_mb_photo_is_refused_under_the_default_limit(client, merchant):
    content = picture(1500, 1500, noise=True)
    assert len(content) > 5 * 1024 * 1024
    assert "Фото больше 5 МБ" in photo_errors(upload(client, content))


@pytest.mark.parametrize(
    "content, words",
    [
        (b"not a picture at all", "изображение"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "изображение"),
        (picture(100, 100), "от 400×400"),
        (picture(13000, 1200), "суммой сторон"),
        (picture(800, 800, "BMP"), "JPEG, PNG или GIF"),
    ],
    ids=["text", "broken-png", "too-small", "too-long", "bmp"],
)
def test_what_vk_would_refuse_is_refused_in_words(client, merchant, content, words):
    assert words in photo_errors(upload(client, content))
    assert not SyncSettings.objects.get(merchant=merchant).default_photo


@pytest.mark.parametrize("kind", ["PNG", "JPEG", "GIF"])
def test_a_good_photo_is_saved(client, merchant, kind):
    assert upload(client, picture(800, 600, kind)).status_code == 302
    assert SyncSettings.objects.get(merchant=merchant).default_photo
