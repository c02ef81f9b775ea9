"""Sales at the emulated register and what the Evotor cloud tells the application about them and about catalog
changes: the notification webhooks (a v2 receipt to `POST /api/v2/receipts`, store documents to
`PUT /api/v1/inventories/stores/{storeUuid}/documents`, each with `Authorization: Bearer <the user token the
application returned from /user/create>`), and the Events API log (`GET /api/apps/{app_id}/events`).

`EvotorSales` is a mixin of `EvotorEmulator`: it shares the emulator's lock and merchants. Notifications go out
only once `notify_to(url, tokens)` names the application's server and the user tokens it issued; each is
posted outside the lock, resent once when the application did not answer 200 (Evotor resends too).
"""

import logging
import time
import uuid
from decimal import Decimal

import requests

from emulators.evotor.generator import now_evotor_time

logger = logging.getLogger(__name__)
PUBLISHER_TOKEN = "evotor-publisher-token"  # the developer's token for the Events API (the emulator's default)
APP_ID = "evosync-app"


class EvotorSales:
    """Sales, notifications and the events log of `EvotorEmulator`."""

    def _init_sales(self) -> None:
        self.notify_url = ""
        self.user_tokens: dict[str, str] = {}  # Evotor user id -> the token the application issued for it
        self.deliveries: list[tuple[str, int]] = []  # (path, HTTP status, or 0 when unreachable)
        self.events: list[dict] = []  # the Events API log, oldest first
        self.receipts: list[dict] = []
        self.publisher_token = PUBLISHER_TOKEN
        self.app_id = APP_ID
        self.notify_documents = True  # catalog changes made through `update_product` send a store document

    def notify_to(self, url: str, tokens: dict[str, str]) -> None:
        """Send notifications to the application at `url`, authorized with the user tokens it issued."""
        self.notify_url = url.rstrip("/")
        self.user_tokens.update(tokens)

    # ----- the register ---------------------------------------------------------------------

    def sell(self, token: str, product_id: str, quantity: float = 3, *, notify: bool = True) -> dict:
        """A sale at the register: the product's stock goes down, a v2 receipt is made (and notified)."""
        with self._lock:
            store_id, products = self._find(token, product_id)
            product = products[product_id]
            left = Decimal(str(product.get("quantity") or 0)) - Decimal(str(quantity))
            products[product_id] = product = {**product, "quantity": float(left), "updated_at": now_evotor_time()}
            receipt = self._receipt(self._merchant(token).user_id, store_id, product, quantity)
            self.receipts.append(receipt)
            self._log_event(product, "updated")
        if notify:
            self.deliver("POST", "/api/v2/receipts", receipt["userId"], receipt)
        return receipt

    def _receipt(self, user_id: str, store_id: str, product: dict, quantity: float) -> dict:
        price = float(product.get("price") or 0)
        receipt_id = str(uuid.uuid4())
        return {
            "id": receipt_id,
            "timestamp": int(time.time() * 1000),
            "userId": user_id,
            "type": "ReceiptCreated",
            "version": 2,
            "data": {
                "id": receipt_id,
                "deviceId": "20170228-0000-4000-8000-000000000001",
                "storeId": store_id,
                "dateTime": now_evotor_time(),
                "type": "SELL",
                "shiftId": "1",
                "employeeId": "emulated-cashier",
                "paymentSource": "PAY_CASH",
                "items": [
                    {
                        "id": product["id"],
                        "name": product["name"],
                        "itemType": "NORMAL",
                        "measureName": product.get("measure_name") or "шт",
                        "quantity": quantity,
                        "price": price,
                        "costPrice": float(product.get("cost_price") or 0),
                        "sumPrice": round(price * quantity, 2),
                        "tax": 0,
                        "taxPercent": 0,
                        "discount": 0,
                    }
                ],
                "totalTax": 0,
                "totalDiscount": 0,
                "totalAmount": round(price * quantity, 2),
            },
        }

    def _product_changed(self, token: str, before: dict, after: dict) -> None:
        """A change made in the back office: logged for the Events API; a store document when stock or price
        moved (a revaluation or an acceptance)."""
        self._log_event(after, "updated")
        moved = any(before.get(name) != after.get(name) for name in ("quantity", "price"))
        if not moved or not self.notify_documents:
            return
        kind = "REVALUATION" if before.get("price") != after.get("price") else "ACCEPT"
        document = {
            "uuid": str(uuid.uuid4()),
            "type": kind,
            "timestamp": now_evotor_time(),
            "body": {"positions": [{"productUuid": after["id"], "quantity": after.get("quantity")}]},
        }
        user_id = self._merchant(token).user_id
        self.deliver("PUT", f"/api/v1/inventories/stores/{after['store_id']}/documents", user_id, document)

    def _log_event(self, product: dict, action: str) -> None:
        self.events.append(
            {
                "id": str(uuid.uuid4()),
                "timestamp": int(time.time() * 1000),
                "type": "Product",
                "source": "emulator",
                "action": action,
                "payload": {k: product.get(k) for k in ("id", "store_id", "user_id", "quantity", "price")},
            }
        )

    # ----- notifications --------------------------------------------------------------------

    def deliver(self, method: str, path: str, user_id: str, body: dict) -> int:
        """Send one notification (resent once without a 200); its status, 0 when not configured or unreachable."""
        token = self.user_tokens.get(user_id)
        if not self.notify_url or not token:
            return 0
        status = 0
        for _ in range(2):
            try:
                response = requests.request(  # no keep-alive: each notification is a call of its own
                    method,
                    self.notify_url + path,
                    json=body,
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=10,
                )
                status = response.status_code
            except requests.RequestException as error:
                logger.warning("notification not delivered: %s", type(error).__name__)
                status = 0
            with self._lock:
                self.deliveries.append((path, status))
            if status == 200:
                break
        return status

    # ----- the Events API -------------------------------------------------------------------

    def events_page(self, query: dict) -> tuple[int, dict | str]:
        """`GET /api/apps/{app_id}/events?type=Product&since=<ms>&until=<ms>`: the log in the usual envelope."""
        try:
            since = int(query.get("since", ["0"])[0])
            until = int(query.get("until", [str(2**62)])[0])
        except ValueError:
            return 400, "since and until are milliseconds"
        types = set(",".join(query.get("type", [])).split(",")) - {""}
        with self._lock:
            chosen = [e for e in self.events if since <= e["timestamp"] <= until and (not types or e["type"] in types)]
        return 200, {"items": chosen, "paging": {}}
