"""Evotor cloud API and webhook settings."""

import environ

env = environ.Env()

EVOTOR_API_URL = env.str("EVOTOR_API_URL", default="http://127.0.0.1:8701").rstrip("/")
EVOTOR_APP_ID = env.str("EVOTOR_APP_ID", default="")
EVOTOR_WEBHOOK_SECRET = env.str("EVOTOR_WEBHOOK_SECRET", default="")
CATALOG_REFRESH_INTERVAL_SECONDS = env.int("CATALOG_REFRESH_INTERVAL_SECONDS", default=3600)
