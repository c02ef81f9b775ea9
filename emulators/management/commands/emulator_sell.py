"""`manage.py emulator_sell "Чай" --quantity 3`: sell at the emulated Evotor register (the demo's «sell 3 of X»).

The Evotor emulator (`run_emulators`, `make run`) lowers the product's stock and sends the receipt to EvoSync,
which pushes the new stock to VK after its debounce (STOCK_SYNC_DEBOUNCE_SECONDS).
"""

import re

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Sell a product (by id or part of its name) at the emulated Evotor register; its receipt goes to EvoSync."

    def add_arguments(self, parser):
        parser.add_argument("product", help="the product's Evotor id, or a part of its name")
        parser.add_argument("--quantity", type=int, default=3)
        parser.add_argument("--evotor-url", default="", help="the Evotor emulator (default: EVOTOR_API_URL)")

    def handle(self, *args, product, quantity, evotor_url, **options):
        url = (evotor_url or settings.EVOTOR_API_URL).rstrip("/") + "/sales"
        try:
            response = requests.post(url, data={"product": product, "quantity": quantity}, timeout=30)
        except requests.RequestException as error:
            raise CommandError(f"The Evotor emulator at {url} does not answer: {type(error).__name__}") from None
        found = re.search(r"<p role='(?:status|alert)'>(.*?)</p>", response.text)
        if response.status_code != 200 or not found or "role='alert'" in response.text:
            raise CommandError(found.group(1) if found else f"The emulator answered {response.status_code}")
        self.stdout.write(found.group(1).replace("&quot;", '"').replace("&#x27;", "'"))
