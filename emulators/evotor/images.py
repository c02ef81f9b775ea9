"""Product pictures: real PNG/JPEG bytes at least 400x400 showing the product's name, the same for the same seed."""

import io
import random
import textwrap
from functools import cache, lru_cache

from PIL import Image, ImageDraw, ImageFont

SIZE = 480
# A font with Cyrillic letters, looked up in the system's font folders (fonts-dejavu, fonts-liberation).
FONTS = ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf", "DejaVuSans.ttf", "LiberationSans-Regular.ttf")
CYRILLIC = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
LATIN = dict(
    zip(CYRILLIC, "a b v g d e e zh z i i k l m n o p r s t u f h c ch sh sch  y  e yu ya".split(" "), strict=True)
)


@cache
def _font(size: int) -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, bool]:
    """The first font found, and whether it has Cyrillic (Pillow's own has not: names are then transliterated)."""
    for name in FONTS:
        try:
            return ImageFont.truetype(name, size), True
        except OSError:
            continue
    return ImageFont.load_default(size), False


def _latin(text: str) -> str:
    return "".join(LATIN.get(c.lower(), c).upper() if c.isupper() else LATIN.get(c, c) for c in text)


@lru_cache(maxsize=32768)  # a photo-rich bench catalog is read twice (refresh, upload): small JPEGs
def picture(seed: str, fmt: str = "png", size: int = SIZE, caption: str = "") -> bytes:
    """A flat-coloured card with the product's name on it (a few shapes when there is no name); PNG or JPEG.

    Flat colours keep the files small."""
    rng = random.Random(seed)
    background = tuple(rng.randrange(150, 256) for _ in range(3))
    image = Image.new("RGB", (size, size), background)
    draw = ImageDraw.Draw(image)
    ink = tuple(rng.randrange(0, 90) for _ in range(3))
    if caption:
        _draw_caption(draw, caption, size, ink)
    else:
        for _ in range(3):
            x, y = rng.randrange(size // 2), rng.randrange(size // 2)
            box = (x, y, x + rng.randrange(60, size // 2), y + rng.randrange(60, size // 2))
            (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=ink)
    out = io.BytesIO()
    if fmt == "jpg":
        image.save(out, "JPEG", quality=70)
    else:
        image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _draw_caption(draw: ImageDraw.ImageDraw, caption: str, size: int, ink: tuple) -> None:
    """The name in a white card, in lines that fit, as large as they fit (down to a small size)."""
    margin = size // 12
    draw.rounded_rectangle((margin, margin, size - margin, size - margin), radius=size // 20, fill=(255, 255, 255))
    draw.rounded_rectangle((margin, margin, size - margin, margin + size // 24), radius=size // 48, fill=ink)
    width = size - 4 * margin
    for points in (44, 38, 32, 27, 23, 20):
        font, cyrillic = _font(points)
        text = caption if cyrillic else _latin(caption)
        chars = max(6, int(width / (points * 0.6)))
        lines = textwrap.wrap(text, chars)[:7]
        box = draw.multiline_textbbox((0, 0), "\n".join(lines), font=font, spacing=points // 4)
        if box[2] - box[0] <= width and box[3] - box[1] <= size - 5 * margin:
            break
    left = (size - (box[2] - box[0])) / 2
    top = (size - (box[3] - box[1])) / 2 + margin / 2
    draw.multiline_text((left, top), "\n".join(lines), font=font, fill=ink, spacing=points // 4, align="center")
