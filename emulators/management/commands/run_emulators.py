"""`manage.py run_emulators`: serve the Evotor and VK emulators on loopback.

For the demo and by-hand testing: point EVOTOR_API_URL / VK_API_URL at the printed addresses.
Stops on Ctrl-C, SIGTERM, or after --duration seconds.
"""

import contextlib
import os
import signal
import threading

from django.core.management.base import BaseCommand

from emulators.evotor import EvotorEmulator
from emulators.evotor import demo as evotor_demo
from emulators.server import serve_in_thread
from emulators.vk import VkEmulator, callbacks
from emulators.vk import demo as vk_demo


class Command(BaseCommand):
    help = "Serve the Evotor and VK emulators on 127.0.0.1 for the demo."

    def add_arguments(self, parser):
        parser.add_argument("--evotor-port", type=int, default=8701)
        parser.add_argument("--vk-port", type=int, default=8702)
        parser.add_argument("--no-vk", action="store_true", help="serve only the Evotor emulator")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--stores", type=int, default=2)
        parser.add_argument("--groups", type=int, default=12, help="product groups per store")
        parser.add_argument("--products", type=int, default=300, help="products per store")
        parser.add_argument("--image-share", type=float, default=0.8)  # most goods in a shop have a picture
        parser.add_argument("--page-size", type=int, default=1000)
        parser.add_argument("--vk-rate", type=float, default=3, help="VK requests per second per token (0: off)")
        parser.add_argument(
            "--vk-chaos", type=float, default=0, help="share of VK API requests that fail at random (0: none)"
        )
        parser.add_argument(
            "--notify-url",
            default=os.environ.get("EVOTOR_EMULATOR_NOTIFY_URL", ""),
            help="EvoSync's address: sales and stock changes are notified there (receipts, store documents), with "
            "the demo user's token from EVOTOR_EMULATOR_NOTIFY_TOKEN",
        )
        parser.add_argument("--duration", type=float, default=0, help="stop after this many seconds (0: never)")

    def handle(self, *args, **options):
        stop = threading.Event()
        previous = {signum: signal.signal(signum, lambda *_: stop.set()) for signum in (signal.SIGTERM, signal.SIGINT)}
        try:
            with contextlib.ExitStack() as stack:
                self.serve_evotor(stack, options)
                if not options["no_vk"]:
                    self.serve_vk(stack, options)
                self.stdout.write("Emulators are running; Ctrl-C stops them.")
                stop.wait(options["duration"] or None)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        self.stdout.write("Emulators stopped.")

    def serve_evotor(self, stack: contextlib.ExitStack, options) -> EvotorEmulator:
        emulator = EvotorEmulator(page_size=options["page_size"])
        evotor_demo.seed_demo(
            emulator,
            seed=options["seed"],
            stores=options["stores"],
            groups=options["groups"],
            products=options["products"],
            image_share=options["image_share"],
        )
        emulator.base_url = stack.enter_context(serve_in_thread(emulator.wsgi_app, port=options["evotor_port"]))
        self.stdout.write(
            f"Evotor emulator: {emulator.base_url} (EVOTOR_API_URL). Demo merchant: user {evotor_demo.DEMO_USER_ID}, "
            f"token {evotor_demo.DEMO_TOKEN}, {options['stores']} stores x {options['products']} products."
        )
        user_token = os.environ.get("EVOTOR_EMULATOR_NOTIFY_TOKEN", "")
        if options["notify_url"] and user_token:
            emulator.notify_to(options["notify_url"], {evotor_demo.DEMO_USER_ID: user_token})
            self.stdout.write(
                f"Sales at the register notify {options['notify_url']}: sell on {emulator.base_url}/sales "
                "or with `manage.py emulator_sell <product> --quantity 3`."
            )
        return emulator

    def serve_vk(self, stack: contextlib.ExitStack, options) -> VkEmulator:
        rate = options["vk_rate"]
        emulator = VkEmulator(rate_limit_per_second=rate or None)
        vk_demo.seed_demo(emulator)
        emulator.chaos(options["vk_chaos"], seed=options["seed"])
        emulator.base_url = stack.enter_context(serve_in_thread(emulator.wsgi_app, port=options["vk_port"]))
        stack.callback(callbacks.start_delivery(emulator).set)  # the Callback API's requests, as VK sends them
        self.stdout.write(
            f"VK emulator: {emulator.base_url} (VK_API_URL). Demo user token {vk_demo.DEMO_VK_TOKEN}, "
            f"community {vk_demo.DEMO_GROUP_ID}, {rate or 'no'} requests/s per token"
            + (f", {options['vk_chaos']:.0%} of requests failing at random." if options["vk_chaos"] else ".")
        )
        return emulator
