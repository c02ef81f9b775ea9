"""Where Debian's Chromium is: EVOSYNC_CHROMIUM, else /usr/bin/chromium (Playwright's own download is not used)."""

import os
import shutil

MISSING = "browser tests SKIPPED: chromium not found — apt-get install chromium (or set EVOSYNC_CHROMIUM)"


def chromium_path() -> str | None:
    """The Chromium to launch, or None. EVOSYNC_CHROMIUM, when set, is the only one tried."""
    named = os.environ.get("EVOSYNC_CHROMIUM")
    candidates = [named] if named else ["/usr/bin/chromium", shutil.which("chromium")]
    return next((path for path in candidates if path and os.access(path, os.X_OK)), None)
