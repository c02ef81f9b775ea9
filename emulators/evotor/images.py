"""Product pictures: real PNG/JPEG bytes at least 400x400, small, the same for the same seed."""

import io
import random
from functools import lru_cache

from PIL import Image, ImageDraw

SIZE = 480


@lru_cache(maxsize=512)
def picture(seed: str, fmt: str = "png", size: int = SIZE) -> bytes:
    """A flat-coloured picture with a few shapes; PNG or JPEG. Flat colours keep the files small."""
    rng = random.Random(seed)
    image = Image.new("RGB", (size, size), tuple(rng.randrange(120, 256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(3):
        x, y = rng.randrange(size // 2), rng.randrange(size // 2)
        box = (x, y, x + rng.randrange(60, size // 2), y + rng.randrange(60, size // 2))
        colour = tuple(rng.randrange(0, 200) for _ in range(3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=colour)
    out = io.BytesIO()
    if fmt == "jpg":
        image.save(out, "JPEG", quality=70)
    else:
        image.save(out, "PNG", optimize=True)
    return out.getvalue()
