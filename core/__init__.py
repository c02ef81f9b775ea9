"""Helpers every app may use: the bottom layer, importing Django, redis and the standard library, never an app.

- `formats`: numbers and dates as the merchant reads them, formatted in Python for long pages.
- `paging`: a page whose total comes with its rows (one query for a search page).
- `upsert`: `bulk_upsert`, `upsert_models`, `insert_models` and `bulk_set`: lean multi-row INSERT (… ON CONFLICT) and
  UPDATE … CASE.
- `locks`: one job per merchant at a time, shared by every worker process (`merchant_lock`, `merchant_key`).
- `numbers`: whole numbers from typed text in ASCII digits only (`ascii_int`): `int("²")` raises, `isdigit()` says yes.

A plain package, not a Django app: it has no models, templates or commands.
"""
