"""VK API settings."""

import environ

env = environ.Env()

VK_API_URL = env.str("VK_API_URL", default="http://127.0.0.1:8702").rstrip("/")
VK_API_VERSION = env.str("VK_API_VERSION", default="5.199")
VK_DEFAULT_PHOTO_PATH = env.str("VK_DEFAULT_PHOTO_PATH", default="static/img/default-product.png")
