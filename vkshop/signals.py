"""What `vkshop` asks of the apps above it.

`claimed_by_others(merchant, group_id)`: asked before a merchant's copy of a community's shop is stored. A
receiver answers `(item_ids, album_ids)`: VK ids of the items and albums that other merchants connected to the
same community made there (vksync knows them by its links). They stay out of this merchant's copy, so the
merchant's pages — and the merchant's sync, which plans from this copy — never see, adopt or fill them.
"""

from django.dispatch import Signal

claimed_by_others = Signal()
