"""Settings of the EvoSync the browser tests drive (web server and worker subprocesses of `harness`).

The real settings from the environment `harness` sets, with mails written to files the tests read and a quick
password hasher. Not a production module: only `harness` names it.
"""

import os

from evosync.settings import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["EVOSYNC_BROWSER_MAIL_DIR"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Every browser test signs up from 127.0.0.1: the per-address sign-up limit would refuse the third merchant.
ACCOUNT_RATE_LIMITS = False
# `runserver --insecure` serves the files from the apps' folders: no collectstatic, so no manifest.
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
