"""Evotor calling EvoSync's webhooks: what the cloud sends when a merchant installs our app."""

import uuid

import requests

from emulators.evotor.generator import now_evotor_time


class EvotorWebhookCaller:
    """POSTs Evotor's webhook calls to `base_url` (our server) with `Authorization: Bearer <secret>`."""

    def __init__(self, base_url: str, secret: str, session: requests.Session | None = None, timeout: float = 10):
        self.base_url = base_url.rstrip("/")
        self.secret = secret
        self.session = session or requests.Session()
        self.timeout = timeout
        self.sequence = 0

    def post(self, path: str, body: dict) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.secret}", "Content-Type": "application/json"}
        return self.session.post(self.base_url + path, json=body, headers=headers, timeout=self.timeout)

    def user_create(self, user_id: str, **fields) -> requests.Response:
        return self.post("/user/create", {"userId": user_id, **fields})

    def user_verify(self, user_id: str, login: str, password: str) -> requests.Response:
        return self.post("/user/verify", {"userId": user_id, "login": login, "password": password})

    def user_token(self, user_id: str, token: str) -> requests.Response:
        return self.post("/user/token", {"userId": user_id, "token": token})

    def installation_event(self, user_id: str, installed: bool = True, product_id: str = "evosync"):
        return self.post(
            "/installation/event",
            {
                "id": str(uuid.uuid4()),
                "timestamp": now_evotor_time(),
                "version": 2,
                "type": "ApplicationInstalled" if installed else "ApplicationUninstalled",
                "data": {"productId": product_id, "userId": user_id},
            },
        )

    def subscription_event(
        self, user_id: str, event_type: str, subscription_id: str = "sub-1", sequence_number: int | None = None
    ) -> requests.Response:
        if sequence_number is None:
            self.sequence += 1
            sequence_number = self.sequence
        return self.post(
            "/subscription/event",
            {
                "subscriptionId": subscription_id,
                "productId": "evosync",
                "userId": user_id,
                "timestamp": now_evotor_time(),
                "sequenceNumber": sequence_number,
                "type": event_type,
                "planId": "basic",
            },
        )

    def install(self, *, user_id: str, cloud_token: str, email: str | None = None) -> requests.Response:
        """The whole install: ApplicationInstalled, /user/create, then /user/token; returns create's answer."""
        self.installation_event(user_id, installed=True).raise_for_status()
        created = self.user_create(user_id, **({"email": email} if email else {}))
        created.raise_for_status()
        self.user_token(user_id, cloud_token).raise_for_status()
        return created
