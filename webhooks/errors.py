"""The error answer Evotor expects from our webhooks: `{"errors": [{"code": N, ...}]}`."""

from django.http import JsonResponse

SYNTAX = 2001  # 400: the body is not JSON / not an object
MISSING_FIELD = 2002  # 400: a field is missing or unexpected
INVALID_VALUE = 2003  # 400
BAD_APP_TOKEN = 1001  # 401: the Authorization header is not our webhook secret
BAD_USER_TOKEN = 1002  # 401
USER_TOKEN_EXPIRED = 1003  # 401
SUBSCRIPTION_INACTIVE = 1004  # 402
WRONG_CREDENTIALS = 1006  # 401
USER_LINKED_ELSEWHERE = 2004  # 409: the Evotor userId belongs to another EvoSync account
ACCOUNT_EXISTS = 2005  # 409: the EvoSync account is linked to another Evotor user


class WebhookError(Exception):
    def __init__(self, status: int, code: int, reason: str = "", subject: str | None = None, value=None):
        super().__init__(reason or str(code))
        self.status, self.code, self.reason, self.subject, self.value = status, code, reason, subject, value

    def response(self) -> JsonResponse:
        error = {"code": self.code}
        if self.reason:
            error["reason"] = self.reason
        if self.subject:
            error["subject"] = self.subject
        if self.value is not None:
            error["value"] = str(self.value)[:100]
        return JsonResponse({"errors": [error]}, status=self.status)


def missing(subject: str) -> WebhookError:
    return WebhookError(400, MISSING_FIELD, "field is required", subject=subject)


def invalid(subject: str, reason: str = "invalid value") -> WebhookError:
    return WebhookError(400, INVALID_VALUE, reason, subject=subject)
