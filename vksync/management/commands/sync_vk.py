"""manage.py sync_vk [--user EMAIL | --all] [--dry-run]: sync VK shops now, in this process."""

from django.core.management.base import BaseCommand, CommandError

from accounts.selectors import merchant_by_email
from vksync import engine, triggers
from vksync.models import SyncRun
from vksync.selectors import merchants_to_sync


class Command(BaseCommand):
    help = "Sync the VK shop of one merchant (--user) or of every merchant whose sync is on (--all)."

    def add_arguments(self, parser):
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--user", metavar="EMAIL", help="the merchant's email")
        who.add_argument("--all", action="store_true", help="every merchant whose sync is on")
        parser.add_argument("--dry-run", action="store_true", help="print the plan, change nothing in VK")

    def handle(self, *args, user=None, all=False, dry_run=False, **options):
        if user:
            merchant = merchant_by_email(user)
            if merchant is None:
                raise CommandError(f"No user with email {user}")
            merchants = [merchant]
        else:
            merchants = merchants_to_sync()
        failed = 0
        for merchant in merchants:
            run = engine.run_sync(merchant=merchant, trigger=SyncRun.Trigger.COMMAND, dry_run=dry_run)
            failed += self._report(merchant, run)
            if not dry_run:
                triggers.run_pending(merchant=merchant)  # a trigger that came during this run
        if failed:
            raise CommandError(f"{failed} sync(s) did not finish")

    def _report(self, merchant, run) -> int:
        if run is None:
            self.stdout.write(f"{merchant.email}: another sync is running; one more will follow it")
            return 0
        plan = run.plan_summary or {}
        self.stdout.write(
            f"{merchant.email}: {run.get_status_display()}"
            f" — plan: {plan.get('create', 0)} to create, {plan.get('update', 0)} to update,"
            f" {plan.get('hide', 0)} to hide, {plan.get('delete', 0)} to delete, {plan.get('adopt', 0)} to adopt,"
            f" {plan.get('albums_create', 0)} albums to create, {plan.get('photos', 0)} photos to upload,"
            f" {plan.get('cards_group', 0)} variant cards to group, {plan.get('cards_ungroup', 0)} to ungroup,"
            f" {plan.get('properties_create', 0)} properties and {plan.get('property_values_create', 0)} values to make"
        )
        for card in plan.get("cards", []):  # the dry run lists the cards it would change
            self.stdout.write(f"  card «{card['title']}»: {card['action']} ({card['variants']})")
        if not run.dry_run and run.status == SyncRun.Status.DONE:
            self.stdout.write(
                f"  done: {run.created} created, {run.updated} updated, {run.hidden} hidden, {run.deleted} deleted,"
                f" {run.adopted} adopted, {run.failed} failed; {run.requests.get('total', 0)} VK requests"
            )
        if run.error:
            self.stdout.write(f"  {run.error}")
        return 1 if run.status == SyncRun.Status.FAILED else 0
