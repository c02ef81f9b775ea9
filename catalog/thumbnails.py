"""Small pictures of products for EvoSync's own pages, made once from the picture the refresh downloads.

A thumbnail is a 96×96 WebP (the picture fitted inside, on white) kept in Django's default storage and
named after the sha256 of the original picture (`Product.image_hash`). The pages never ask Evotor for a
picture: they link to `/catalog/thumbs/<name>`, served by `views.thumbnail` from storage.

Why a view and not MEDIA_URL: production serves no media folder (gunicorn + whitenoise serve static files
only). Why no ownership query in it: the name is the sha256 of the picture's bytes, which nobody can guess
without holding the picture itself, so knowing the URL already means having seen the page it is on; the
files are content-addressed, so one merchant's file is also another's when their pictures are the same
bytes, and a name never changes its content (cached for a year, `immutable`). A per-request ownership
query would cost one query per picture on every page view for nothing.
"""

import io
import re

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageOps

SIDE = 96  # pixels of the file; pages show it at 48 px, so it stays sharp on 2× screens
SHOWN = 48
NOT_AN_IMAGE = "-"  # Product.thumbnail when the picture could not be read: not tried again until it changes
NAME = re.compile(r"^[0-9a-f]{64}\.webp$")
URL_PREFIX = "/catalog/thumbs/"


def storage_path(name: str) -> str:
    return f"thumbs/{name[:2]}/{name}"


def make(data: bytes) -> bytes | None:
    """The thumbnail's bytes, or None when `data` is not a picture Pillow reads."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.draft("RGB", (SIDE * 2, SIDE * 2))  # JPEG: decode at a fraction of the size, much faster
            image = ImageOps.exif_transpose(image).convert("RGBA")
            image.thumbnail((SIDE, SIDE))
            canvas = Image.new("RGB", (SIDE, SIDE), "white")
            canvas.paste(image, ((SIDE - image.width) // 2, (SIDE - image.height) // 2), image)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None
    out = io.BytesIO()
    canvas.save(out, "WEBP", quality=80)
    return out.getvalue()


def save(*, image_hash: str, data: bytes) -> str:
    """Store the thumbnail of `data` (a picture whose sha256 is `image_hash`); its name, or NOT_AN_IMAGE."""
    name = f"{image_hash}.webp"
    if default_storage.exists(storage_path(name)):
        return name
    thumbnail = make(data)
    if thumbnail is None:
        return NOT_AN_IMAGE
    default_storage.save(storage_path(name), ContentFile(thumbnail))
    return name


def url(name: str) -> str:
    """Where a page finds the thumbnail `name` ("" when there is none)."""
    return URL_PREFIX + name if NAME.match(name or "") else ""
