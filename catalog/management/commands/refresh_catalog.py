"""`manage.py refresh_catalog --user EMAIL | --all`: read Evotor catalogs now, with progress and a summary."""

from django.core.management.base import BaseCommand, CommandError

from accounts.selectors import merchant_by_email
from catalog.services import RefreshResult, refresh_catalog, refreshable_merchants


class Command(BaseCommand):
    help = "Refresh the Evotor catalog of one merchant (--user) or of every connected merchant (--all)."

    def add_arguments(self, parser):
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--user", metavar="EMAIL", help="the merchant's email")
        who.add_argument("--all", action="store_true", help="every merchant with a working Evotor connection")

    def handle(self, *args, user=None, all=False, **options):  # noqa: A002 - the option's name
        self.verbosity = options["verbosity"]
        if user:
            merchant = merchant_by_email(user)
            if merchant is None:
                raise CommandError(f"No user with email {user}")
            merchants = [merchant]
        else:
            merchants = list(refreshable_merchants())
        results = []
        for number, merchant in enumerate(merchants, 1):
            self.stdout.write(f"[{number}/{len(merchants)}] {merchant.email}")
            result = refresh_catalog(merchant=merchant, progress=self._progress)
            style = self.style.SUCCESS if result.ok else self.style.ERROR
            self.stdout.write(style(f"  {result.summary()}"))
            results.append(result)
        self._summary(results)
        if any(r.status in ("broken", "failed") for r in results):
            raise CommandError("Some catalogs were not refreshed (see above).")

    def _progress(self, message: str) -> None:
        if self.verbosity >= 1:
            self.stdout.write(f"  {message}")

    def _summary(self, results: list[RefreshResult]) -> None:
        ok = sum(r.ok for r in results)
        products = sum(r.products for r in results)
        requests = sum(r.requests for r in results)
        self.stdout.write(
            f"Done: {ok} of {len(results)} merchants refreshed, {products} products read, {requests} Evotor requests."
        )
