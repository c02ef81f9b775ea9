"""The emulated register's page (`/sales`): pick a product, «Продать» N of it; the receipt goes to the
application as Evotor would send it. For the demo and by-hand testing."""

import html
from urllib.parse import parse_qs

PAGE = """<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>Касса Эвотор (эмулятор)</title></head>
<body><h1>Касса Эвотор (эмулятор)</h1>{notice}
<form method="post" action="/sales"><label>Товар <select name="product_id">{options}</select></label>
<label>Количество <input name="quantity" type="number" min="1" max="1000" value="3"></label>
<button type="submit">Продать</button></form>
<p>Чеки уходят в приложение: {target}</p></body></html>"""


def sales_page(emulator, environ, method: str):
    """(status, headers, body) of the page; a POST sells and shows the page again with what happened."""
    notice = ""
    with emulator._lock:
        merchants = list(emulator._merchants.items())
    if not merchants:
        return 404, [("Content-Type", "text/plain; charset=utf-8")], "Нет ни одного продавца".encode()
    token, merchant = merchants[0]
    if method == "POST":
        size = int(environ.get("CONTENT_LENGTH") or 0)
        form = parse_qs(environ["wsgi.input"].read(min(size, 10_000)).decode("utf-8", "replace"))
        product_id = _product_id(merchant, form.get("product_id", [""])[0] or form.get("product", [""])[0])
        try:
            quantity = max(1, min(1000, int(form.get("quantity", ["3"])[0])))
            receipt = emulator.sell(token, product_id, quantity)
        except (KeyError, ValueError):
            notice = "<p role='alert'>Такого товара нет</p>"
        else:
            item = receipt["data"]["items"][0]
            status = emulator.deliveries[-1][1] if emulator.deliveries else "не отправлен"
            notice = f"<p role='status'>Продано {quantity} × «{html.escape(item['name'])}»; чек: {status}</p>"
    products = [p for store in merchant.products.values() for p in store.values()][:200]
    options = "".join(
        f"<option value='{html.escape(p['id'])}'>{html.escape(p['name'])} — остаток {p.get('quantity')}</option>"
        for p in sorted(products, key=lambda p: p["name"])
    )
    target = html.escape(emulator.notify_url or "не настроено")
    body = PAGE.format(notice=notice, options=options, target=target).encode()
    return 200, [("Content-Type", "text/html; charset=utf-8")], body


def _product_id(merchant, wanted: str) -> str:
    """A product by its id, else the first whose name holds `wanted` (any case): for `manage.py emulator_sell`."""
    products = [p for store in merchant.products.values() for p in store.values()]
    if any(p["id"] == wanted for p in products):
        return wanted
    folded = wanted.casefold().strip()
    named = sorted((p for p in products if folded and folded in p["name"].casefold()), key=lambda p: p["name"])
    return named[0]["id"] if named else wanted
