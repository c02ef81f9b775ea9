"""What the merchant is told, through the channels they chose on the profile: a mail, a message from the
community in VK. `notify` records one `Notice` per channel (once per key) and queues its send as a task of
its own after the transaction commits; `deliver` sends it once, however often the task runs."""

import logging
import smtplib
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from connections.models import VkConnection
from connections.vk.community import CommunityTokenMissing, community_problem, send_message
from connections.vk.errors import VkApiError, VkConnectionBroken, VkRateLimitReached, VkTransientError
from notifications.models import Notice

log = logging.getLogger(__name__)

# Worth another attempt later (the task retries with a backoff); anything else is recorded and shown.
TRANSIENT_ERRORS = (smtplib.SMTPException, OSError, VkTransientError, VkRateLimitReached)
VK_MESSAGE_REFUSED = {
    901: "Вы не разрешили сообществу присылать вам сообщения: "
    "откройте сообщество в VK и нажмите «Разрешить сообщения», затем «Проверить сообщения VK» в профиле.",
    902: "Настройки приватности вашего аккаунта VK не дают сообществу написать вам: разрешите сообщения от "
    "сообществ в настройках приватности VK, затем нажмите «Проверить сообщения VK» в профиле.",
}


def chosen_channels(merchant) -> list[str]:
    """The channels the merchant chose on the profile."""
    channels = []
    if merchant.notify_by_mail:
        channels.append(Notice.Channel.MAIL)
    if merchant.notify_by_vk:
        channels.append(Notice.Channel.VK)
    return channels


def vk_channel_problem(merchant) -> str:
    """Why a message from the community cannot reach the merchant now, in words ("" when it can): the community
    token missing or broken, else VK's refusal of the last message (until a later one gets through)."""
    return community_problem(VkConnection.objects.filter(merchant=merchant).first()) or last_vk_refusal(merchant)


def last_vk_refusal(merchant) -> str:
    """Why VK refused the merchant's last message from the community, with what to do ("" when the last one went
    through, or none was sent): VK's refusal is shown until a message reaches the merchant again."""
    last = (
        Notice.objects.filter(merchant=merchant, channel=Notice.Channel.VK)
        .exclude(status=Notice.Status.QUEUED)
        .order_by("-created_at", "-pk")
        .values_list("status", "last_error")
        .first()
    )
    if last is None or last[0] != Notice.Status.FAILED:
        return ""
    return f"последнее сообщение не дошло. {last[1]}"


def notify(
    *, merchant_id: int, key: str, subject: str, text: str, channels: Iterable[str] | None = None
) -> list[Notice]:
    """Tell the merchant `subject`/`text` once per `key` on each chosen channel; each send is queued as a task."""
    merchant = get_user_model().objects.filter(pk=merchant_id).first()
    if merchant is None:
        return []
    wanted = [c for c in chosen_channels(merchant) if channels is None or c in channels]
    notices = []
    for channel in wanted:
        notice, _ = Notice.objects.get_or_create(
            merchant=merchant, key=key[:128], channel=channel, defaults={"subject": subject[:255], "text": text}
        )
        if notice.status == Notice.Status.QUEUED:  # also when a first queueing was lost (the broker was down)
            _queue(notice.pk)
        notices.append(notice)
    return notices


def check_vk_messages(*, merchant) -> bool:
    """A message from the community sent now to see whether VK lets it through (one waiting at a time); False
    when the merchant has not chosen messages in VK."""
    if not merchant.notify_by_vk:
        return False
    checks = Notice.objects.filter(merchant=merchant, key__startswith="vk-check:", status=Notice.Status.QUEUED)
    if checks.exists():
        return True  # the one asked for before is still on its way
    notify(
        merchant_id=merchant.pk,
        key=f"vk-check:{timezone.now().isoformat()}",
        subject="проверка сообщений",
        text="Сообщения от сообщества до вас доходят: о новых заказах EvoSync напишет сюда.",
        channels=[Notice.Channel.VK],
    )
    return True


def _queue(notice_id: int) -> None:
    from notifications.tasks import send_notice

    transaction.on_commit(lambda: send_notice.delay(notice_id))


def deliver(*, notice_id: int) -> Notice | None:
    """Send one notice unless it was sent; a transient failure is recorded, then raised for the task to retry."""
    failure = None
    with transaction.atomic():
        notice = Notice.objects.select_for_update().select_related("merchant").filter(pk=notice_id).first()
        if notice is None or notice.status != Notice.Status.QUEUED:
            return notice
        notice.attempts += 1
        try:
            _send(notice)
        except TRANSIENT_ERRORS as exc:
            failure = exc
            _record(notice, status=Notice.Status.QUEUED, error=f"Не отправлено ({type(exc).__name__}), будет повтор.")
        except (CommunityTokenMissing, VkConnectionBroken, VkApiError) as exc:
            _record(notice, status=Notice.Status.FAILED, error=_in_words(exc))
        else:
            notice.sent_at = timezone.now()
            _record(notice, status=Notice.Status.SENT, error="")
    if failure is not None:
        raise failure
    return notice


def _send(notice: Notice) -> None:
    if notice.channel == Notice.Channel.MAIL:
        send_mail(f"EvoSync: {notice.subject}", mail_body(notice.text), None, [notice.merchant.email])
        return
    connection = VkConnection.objects.filter(merchant=notice.merchant).first()
    # random_id: VK answers a resend of the same message with the first one's id instead of sending it again.
    send_message(connection=connection, text=f"EvoSync: {notice.subject}\n\n{notice.text}", random_id=notice.pk)


def mail_body(text: str) -> str:
    return f"Здравствуйте!\n\n{text}\n\nEvoSync"


def _in_words(exc: Exception) -> str:
    if isinstance(exc, VkApiError):
        return VK_MESSAGE_REFUSED.get(exc.code, f"VK не принял сообщение (ошибка {exc.code}: {exc.message})")
    return getattr(exc, "reason", "") or str(exc)


def _record(notice: Notice, *, status: str, error: str) -> None:
    notice.status, notice.last_error = status, error
    notice.save(update_fields=["status", "attempts", "last_error", "sent_at"])
    log.info("notice %s", status, extra={"merchant_id": notice.merchant_id, "channel": notice.channel})
