"""What VK's errors mean: the error kinds VkClient and VkIdClient raise, and VK's codes in words.

`permanent` on an error is the one thing callers decide on (connections.state marks the connection
broken); `PERMANENT_REASONS` says why in the merchant's words, `VK_REASONS` explains an error VK gave
for one item. `raise_for_error` turns VK's error object (also one from inside `execute`) into the
right kind.
"""

TRANSIENT_CODES = {6, 9, 10, 36}
# VK refused the whole request before running any of it: resending can never do a thing twice.
REFUSED_CODES = {6}
RATE_LIMIT_CODE = 29
PERMANENT_REASONS = {
    5: "VK не принимает токен: он истёк или был отозван. Подключите VK заново.",
    14: "VK требует ввести капчу. Откройте VK в браузере, выполните проверку и повторите позже.",
    15: "Доступ запрещён: у пользователя нет прав на товары этого сообщества.",
    17: "VK требует подтвердить вход. Войдите в VK в браузере и подключите VK заново.",
    27: "Это токен сообщества, а для товаров нужен токен пользователя — администратора сообщества.",
    203: "Нет доступа к сообществу: пользователь токена не является его администратором.",
    205: "Нет доступа к товарам сообщества.",
    1438: "В сообществе не включены товары. Включите раздел «Товары» в настройках сообщества.",
    1525: "Магазин сообщества отключён в VK.",
    1526: "Услуги магазина сообщества отключены в VK.",
}
# What a per-item error means, in the merchant's words (shown beside the item that VK refused).
VK_REASONS = {
    1: "Неизвестная ошибка VK",
    6: "Слишком много запросов в секунду",
    9: "VK ограничил частые одинаковые действия",
    10: "Внутренняя ошибка VK",
    13: "VK не смог выполнить пакет запросов",
    100: "VK не принял один из параметров товара",
    1402: "Подборка не найдена в VK",
    1403: "Товар не найден в VK (удалён вручную)",
    1404: "Товар уже в подборке",
    1405: "В магазине VK слишком много товаров",
    1406: "В подборке VK слишком много товаров",
    1407: "В магазине VK слишком много подборок",
    1408: "VK не разрешает ссылки в описании",
    1409: "В сообществе не включён расширенный режим товаров",
    1410: "VK не принимает варианты товаров в этом сообществе",
    1411: "VK не смог сохранить варианты товара",
    1412: "VK не объединяет в карточку товары с разными свойствами",
    1413: "В карточке VK уже есть товар с такими значениями свойств",
    1414: "В карточке VK товары с другими свойствами",
    1415: "В карточке VK у каждого товара должны быть значения свойств",
    1416: "Значение свойства не найдено в VK",
    1417: "Свойство не найдено в VK",
    1418: "В сообществе слишком много свойств товаров",
    1419: "У свойства товаров слишком много значений",
    1421: "Слишком длинное название свойства",
    1423: "Слишком длинное значение свойства",
    1425: "В карточке VK должно быть не меньше двух товаров",
    1426: "У товаров карточки VK должны быть разные значения свойств",
    1429: "Размеры товара указаны не полностью",
    1433: "VK не принял фото товара",
    1434: "VK не принял фото товара",
    1435: "VK не принял фото товара",
}


def breaks_connection(code) -> bool:
    """Whether VK's error code means the token or the community cannot be used any more (also inside execute)."""
    return code in PERMANENT_REASONS


def reason_in_words(error) -> str:
    """A VK error as the merchant reads it: what it means, then VK's code and message."""
    code = getattr(error, "code", None)
    words = getattr(error, "reason", "") or VK_REASONS.get(code, "")
    message = getattr(error, "message", "") or str(error)
    return f"{words} (код {code}: {message})" if words else f"Ошибка VK {code}: {message}"


class VkError(Exception):
    """Anything that went wrong talking to VK.

    `permanent`: True when the connection itself cannot be used any more (the caller marks it broken and
    does not retry); False when trying again later may work. Callers decide on this flag, never on a text."""

    permanent = False


class VkApiError(VkError):
    """VK refused one call (e.g. 100 invalid parameter, 1403 item not found): record it and go on."""

    def __init__(self, code: int, message: str, method: str = ""):
        self.code = code
        self.message = message
        self.method = method
        super().__init__(f"VK error {code} in {method or 'call'}: {message}")

    @property
    def transient(self) -> bool:
        return self.code in TRANSIENT_CODES


class VkTransientError(VkError):
    """VK or the network failed for a while (6, 9, 10, 36, HTTP 5xx, timeouts) even after retries."""


class VkWaitPastDeadline(VkError):
    """The token's next turn in the rate limiter comes after the caller's deadline (a slice's): nothing was sent.
    `wait`: the seconds until that turn."""

    def __init__(self, wait: float):
        super().__init__(f"the token's turn comes in {wait:.2f}s, after the deadline")
        self.wait = wait


class VkRateLimitReached(VkError):
    """Error 29: the daily quota of a method is spent. Stop the run and resume later."""


class VkConnectionBroken(VkError):
    """The token or the community cannot be used any more; `.reason` says why, in Russian."""

    permanent = True

    def __init__(self, code: int, reason: str):
        self.code = code
        self.reason = reason
        super().__init__(f"VK error {code}: {reason}")


class VkOAuthError(VkError):
    """VK ID refused to issue or refresh a token."""

    def __init__(self, error: str, description: str = ""):
        self.error = error
        self.description = description
        super().__init__(f"VK ID: {error} {description}".strip())


def raise_for_error(error: dict, method: str):
    """Raise VK's error object as its kind: a broken connection, the daily limit, or one refused call."""
    code = int(error.get("error_code") or 0)
    message = str(error.get("error_msg") or "")
    if breaks_connection(code):
        raise VkConnectionBroken(code, PERMANENT_REASONS[code])
    if code == RATE_LIMIT_CODE:
        raise VkRateLimitReached(f"VK: дневной лимит запросов исчерпан ({method}). Продолжим позже.")
    raise VkApiError(code, message, method)
