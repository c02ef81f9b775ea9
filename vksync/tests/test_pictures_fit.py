"""Pictures VK would refuse are fixed with Pillow before upload, and what was done is said in words."""

import io

import pytest
from PIL import Image

from vksync.pictures import fit_for_vk


def picture(size, fmt="JPEG", mode="RGB", colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, colour if mode == "RGB" else (*colour, 0)).save(out, fmt)
    return out.getvalue()


def opened(content: bytes) -> Image.Image:
    return Image.open(io.BytesIO(content))


def test_a_picture_vk_takes_is_left_as_it_is():
    content = picture((800, 600))
    fit = fit_for_vk(content, "photo.jpeg")
    assert fit.content == content and fit.fixes == () and fit.filename == "photo.jpg"


def test_a_small_picture_is_padded_on_white_to_400_by_400():
    fit = fit_for_vk(picture((200, 150)), "small.jpg")
    image = opened(fit.content)
    assert image.size == (400, 400)
    assert image.convert("RGB").getpixel((0, 0)) == (255, 255, 255)  # the margin is white
    assert image.convert("RGB").getpixel((200, 200))[0] > 150  # the picture sits in the middle
    assert fit.fixes == ("дополнена белыми полями с 200×150 до 400×400 (в VK — не меньше 400×400)",)


def test_a_picture_of_another_format_is_converted():
    fit = fit_for_vk(picture((600, 600), fmt="WEBP"), "card.webp")
    assert opened(fit.content).format == "JPEG" and fit.filename == "card.jpg"
    assert fit.fixes == ("формат WEBP переведён в JPEG/PNG",)


def test_a_transparent_picture_of_another_format_stays_transparent_as_png():
    fit = fit_for_vk(picture((500, 500), fmt="WEBP", mode="RGBA"), "logo.webp")
    assert opened(fit.content).format == "PNG" and fit.filename == "logo.png"


def test_a_picture_with_extreme_sides_is_shrunk_then_padded():
    fit = fit_for_vk(picture((14500, 500)), "banner.jpg")
    width, height = opened(fit.content).size
    assert width + height <= 14000 and min(width, height) >= 400
    assert fit.fixes[0].startswith("уменьшена с 14500×500 до 13533×466")
    assert len(fit.fixes) == 1  # 466 is still at least 400: no padding


def test_a_thin_strip_is_shrunk_and_padded_back_to_400():
    fit = fit_for_vk(picture((14000, 100)), "strip.png")
    width, height = opened(fit.content).size
    assert width + height <= 14000 and height == 400
    assert [fix.split(" ")[0] for fix in fit.fixes] == ["уменьшена", "дополнена"]


def test_a_too_heavy_picture_is_squeezed_under_the_limit():
    noisy = Image.effect_noise((900, 900), 120).convert("RGB")
    out = io.BytesIO()
    noisy.save(out, "PNG")
    fit = fit_for_vk(out.getvalue(), "heavy.png", max_bytes=200_000)
    assert len(fit.content) <= 200_000 and opened(fit.content).format == "JPEG"
    assert fit.fixes[-1].startswith("сжата до") and "не больше 0.190735 МБ" in fit.fixes[-1]


def test_what_is_not_a_picture_is_refused_in_words_not_skipped():
    with pytest.raises(ValueError, match="не читается"):
        fit_for_vk(b"<html>not found</html>", "photo.jpg")
