"""Where the merchant stands on the way to a synced VK shop, and what is missing, in words.

Read by the guided start (`/start`), the menu (while the start is unfinished) and the "Синхронизировать сейчас"
button, which refuses with the reason instead of queueing a run that can only fail.
"""

from dataclasses import dataclass

from catalog.models import Store
from connections.models import EvotorConnection, VkConnection
from vksync.counts import VkCount

EVOTOR_MISSING = (
    "Эвотор не подключён: вставьте токен облака Эвотор (он в настройках приложения EvoSync в личном кабинете "
    "Эвотора) или установите приложение EvoSync в Эвотор.Маркете — токен придёт сам."
)
EVOTOR_UNINSTALLED = "Приложение EvoSync удалено в Эвоторе: установите его снова в Эвотор.Маркете."
VK_MISSING = (
    "VK не подключён: подключите сообщество через VK ID или вставьте токен пользователя — администратора "
    "сообщества — с правом на товары (market)."
)
NO_STORES = "Каталог ещё не загружен из Эвотора: он появится через минуту после подключения. Обновите страницу."
NO_STORE_PUBLISHED = "Не выбран ни один магазин: включите «Публиковать в VK» у магазина, товары которого нужны в VK."
NOTHING_PUBLISHED = "В выбранных магазинах и группах нет товаров: включите группы или другой магазин."


def evotor_problem(connection: EvotorConnection | None) -> str:
    """Why the Evotor catalog cannot be read, or "" when it can."""
    if connection is None or not connection.token:
        return EVOTOR_MISSING
    if not connection.installed:
        return EVOTOR_UNINSTALLED
    if connection.status == EvotorConnection.Status.BROKEN:
        reason = connection.last_error or "токен не работает."
        return f"Эвотор не принимает токен: {reason} Вставьте новый токен."
    return ""


def vk_problem(connection: VkConnection | None) -> str:
    """Why the VK shop cannot be filled, or "" when it can."""
    if connection is None or not connection.access_token or not connection.group_id:
        return VK_MISSING
    if connection.status == VkConnection.Status.BROKEN:
        reason = connection.last_error or "проверьте его."
        return f"Подключение VK не работает: {reason} Подключите сообщество заново."
    return ""


def choice_problem(*, has_stores: bool, has_published_store: bool, count: VkCount) -> str:
    """Why the chosen stores and groups give VK nothing to show, or "" when they give it something."""
    if not has_stores:
        return NO_STORES
    if not has_published_store:
        return NO_STORE_PUBLISHED
    if not count.published:
        return NOTHING_PUBLISHED
    if not count.to_vk:
        return (
            f"Ни один из {count.published} выбранных товаров не пойдёт в VK: нет в наличии — {count.out_of_stock}, "
            f"не продаётся — {count.not_for_sale}. Выберите другие группы или измените это в настройках синхронизации."
        )
    return ""


@dataclass(frozen=True)
class Readiness:
    """The merchant's connections and choice, each with what is missing ("" when that part is ready)."""

    evotor: EvotorConnection | None
    vk: VkConnection | None
    evotor_problem: str
    vk_problem: str
    choice_problem: str

    @property
    def blocker(self) -> str:
        """The first thing that keeps a sync from running, in words ("" when it can run)."""
        return self.evotor_problem or self.vk_problem or self.choice_problem


def readiness(*, merchant, count: VkCount) -> Readiness:
    evotor = EvotorConnection.objects.filter(merchant=merchant).first()
    vk = VkConnection.objects.filter(merchant=merchant).first()
    stores = Store.objects.filter(merchant=merchant, removed=False)
    return Readiness(
        evotor=evotor,
        vk=vk,
        evotor_problem=evotor_problem(evotor),
        vk_problem=vk_problem(vk),
        choice_problem=choice_problem(
            has_stores=stores.exists(), has_published_store=stores.filter(sync_enabled=True).exists(), count=count
        ),
    )
