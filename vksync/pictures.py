"""A picture made fit for VK before it is uploaded: what VK would refuse is fixed with Pillow, never skipped.

VK takes JPG, PNG or GIF, at least 400×400, width + height ≤ 14000, at most 50 MB (../shared/reference/vk-api.md).
A smaller picture is padded on white, a too long one shrunk (then padded, when its short side fell under 400),
another format converted, a too heavy one re-encoded smaller. `fixes` says in words what was done, for the
item's page. Pure: bytes in, bytes out.
"""

import io
from dataclasses import dataclass, field

from PIL import Image, UnidentifiedImageError

from vksync.rules import VK_PHOTO_MAX_SIDES_SUM, VK_PHOTO_MIN_SIDE

VK_PHOTO_MAX_BYTES = 50 * 1024 * 1024
VK_FORMATS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif"}
WHITE = (255, 255, 255)
JPEG_QUALITY = 90


@dataclass(frozen=True)
class FitPicture:
    content: bytes
    filename: str
    fixes: tuple[str, ...] = field(default=())


def fit_for_vk(content: bytes, filename: str, *, max_bytes: int = VK_PHOTO_MAX_BYTES) -> FitPicture:
    """The picture as VK takes it, and what was done to it. Raises ValueError when it is not a picture at all."""
    try:
        with Image.open(io.BytesIO(content)) as probe:
            kind, (width, height) = probe.format, probe.size
            image = probe.copy() if _needs_work(kind, width, height, len(content), max_bytes) else None
    except (UnidentifiedImageError, OSError) as error:
        raise ValueError("картинка не читается: это не изображение") from error
    if image is None:
        return FitPicture(content, _named(filename, VK_FORMATS[kind]))
    fixes = []
    if kind not in VK_FORMATS:
        fixes.append(f"формат {kind or 'неизвестный'} переведён в JPEG/PNG")
    image = _shrunk(image, fixes)
    image = _padded(image, fixes)
    data, extension = _encoded(image, max_bytes, fixes)
    return FitPicture(data, _named(filename, extension), tuple(fixes))


def _needs_work(kind, width: int, height: int, size: int, max_bytes: int) -> bool:
    small = min(width, height) < VK_PHOTO_MIN_SIDE
    return kind not in VK_FORMATS or small or _padded_sum(width, height) > VK_PHOTO_MAX_SIDES_SUM or size > max_bytes


def _shrunk(image: Image.Image, fixes: list) -> Image.Image:
    width, height = image.size
    if _padded_sum(width, height) <= VK_PHOTO_MAX_SIDES_SUM:
        return image
    scale = VK_PHOTO_MAX_SIDES_SUM / (width + height)
    if min(width, height) * scale < VK_PHOTO_MIN_SIDE:  # it will be padded: the long side leaves room for that
        scale = (VK_PHOTO_MAX_SIDES_SUM - VK_PHOTO_MIN_SIDE) / max(width, height)
    size = (max(1, int(width * scale)), max(1, int(height * scale)))
    fixes.append(f"уменьшена с {width}×{height} до {size[0]}×{size[1]} (сумма сторон в VK — не больше 14000)")
    return image.resize(size, Image.LANCZOS)


def _padded_sum(width: int, height: int) -> int:
    """Width + height once a short side is padded to VK's minimum."""
    return max(width, VK_PHOTO_MIN_SIDE) + max(height, VK_PHOTO_MIN_SIDE)


def _padded(image: Image.Image, fixes: list) -> Image.Image:
    width, height = image.size
    if min(width, height) >= VK_PHOTO_MIN_SIDE:
        return image
    size = (max(width, VK_PHOTO_MIN_SIDE), max(height, VK_PHOTO_MIN_SIDE))
    canvas = Image.new("RGB", size, WHITE)
    flat = _on_white(image)
    canvas.paste(flat, ((size[0] - width) // 2, (size[1] - height) // 2))
    fixes.append(f"дополнена белыми полями с {width}×{height} до {size[0]}×{size[1]} (в VK — не меньше 400×400)")
    return canvas


def _on_white(image: Image.Image) -> Image.Image:
    """Transparent parts on white (VK shows JPEG-like cards); any mode to RGB."""
    if image.mode in ("RGBA", "LA", "P"):
        rgba = image.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, WHITE)
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        return canvas
    return image.convert("RGB")


def _encoded(image: Image.Image, max_bytes: int, fixes: list) -> tuple[bytes, str]:
    """PNG when it has transparency and fits, else JPEG, squeezed (quality, then size) until under `max_bytes`."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        out = io.BytesIO()
        image.save(out, "PNG", optimize=True)
        if out.tell() <= max_bytes:
            return out.getvalue(), "png"
    image, quality, squeezed = _on_white(image), JPEG_QUALITY, False
    while True:
        out = io.BytesIO()
        image.save(out, "JPEG", quality=quality)
        if out.tell() <= max_bytes:
            break
        squeezed = True
        if quality > 50:
            quality -= 20
        elif min(image.size) > VK_PHOTO_MIN_SIDE:
            image = image.resize(
                (max(VK_PHOTO_MIN_SIDE, image.width * 3 // 4), max(VK_PHOTO_MIN_SIDE, image.height * 3 // 4))
            )
        else:
            raise ValueError("картинка слишком тяжёлая для VK даже после сжатия")
    if squeezed:
        limit = f"{max_bytes / (1024 * 1024):g} МБ"
        fixes.append(f"сжата до {max(1, out.tell() // 1024)} КБ (в VK — не больше {limit})")
    return out.getvalue(), "jpg"


def _named(filename: str, extension: str) -> str:
    stem = (filename or "photo").rsplit("/", 1)[-1].rsplit(".", 1)[0] or "photo"
    return f"{stem}.{extension}"
