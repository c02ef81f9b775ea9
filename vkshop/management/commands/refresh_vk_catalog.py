"""Re-read a merchant's VK shop (or every connected one) into the VK shop cache."""

from django.core.management.base import BaseCommand, CommandError

from accounts.selectors import merchant_by_email
from connections.vk.errors import VkConnectionBroken, VkError
from vkshop import services


class Command(BaseCommand):
    help = "Refresh the cached VK shop of one merchant (--user EMAIL) or of every merchant (--all)."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--user", metavar="EMAIL", help="the merchant's email")
        group.add_argument("--all", action="store_true", help="every merchant with a VK connection")

    def handle(self, *args, **options):
        if options["all"]:
            summary = services.refresh_all_vk_shops()
            self.stdout.write(
                f"refreshed {summary['refreshed']}, failed {summary['failed']}, skipped {summary['skipped']}"
            )
            return
        merchant = merchant_by_email(options["user"])
        if merchant is None:
            raise CommandError(f"no user with email {options['user']}")
        try:
            result = services.refresh_vk_shop(merchant=merchant)
        except VkConnectionBroken as exc:
            raise CommandError(f"VK connection is broken: {exc.reason}")
        except VkError as exc:
            raise CommandError(f"VK refresh failed: {exc}")
        if result is None:
            self.stdout.write("nothing refreshed: no VK connection, or a refresh is already running")
            return
        self.stdout.write(
            f"{result.albums} albums, {result.items} items, {result.removed_items} removed, {result.requests} requests"
        )
