"""What the /sync page says about variants, and the merchant's «try again» after VK refused them.

`variants_state` reads what VK refused (the community, or single cards) and how many cards VK holds;
`try_variants_again` forgets the refusals, so the next run (asked for at once) offers VK the cards again.
"""

from dataclasses import dataclass, field

from django.db import transaction

from connections.models import VkConnection
from vksync import triggers
from vksync.models import CommunityVariants, SyncRun, VariantCard

SEPARATE_LISTED = 20


@dataclass(frozen=True)
class VariantsState:
    refused: CommunityVariants | None = None  # the community takes no variants (VK said so)
    separate: list[VariantCard] = field(default_factory=list)  # cards VK would not make, with the reason
    cards: int = 0  # cards VK holds now

    @property
    def shown(self) -> bool:
        return bool(self.refused or self.separate or self.cards)


def variants_state(*, merchant) -> VariantsState:
    group_id = VkConnection.objects.filter(merchant=merchant).values_list("group_id", flat=True).first()
    if not group_id:
        return VariantsState()
    cards = VariantCard.objects.filter(merchant=merchant, group_id=group_id)
    return VariantsState(
        refused=CommunityVariants.objects.filter(merchant=merchant, group_id=group_id, refused=True).first(),
        separate=list(cards.filter(separate=True).order_by("title")[:SEPARATE_LISTED]),
        cards=cards.filter(vk_card_id__isnull=False).count(),
    )


def try_variants_again(*, merchant) -> SyncRun | None:
    """Forget VK's refusals of variants (the merchant enabled them in the community, say) and sync."""
    with transaction.atomic():
        CommunityVariants.objects.filter(merchant=merchant).update(refused=False)
        VariantCard.objects.filter(merchant=merchant, separate=True).update(separate=False, reason="")
    return triggers.request_sync(merchant=merchant, trigger=SyncRun.Trigger.MANUAL)
