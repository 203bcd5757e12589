"""Per-client rate limiting (docs/api.md): SAFEGUARD_API_RATE requests per client, counted in the
Redis cache `api` so that every web worker counts the same."""

import logging
from typing import Any

from django.conf import settings
from django.core.cache import caches
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiClient

logger = logging.getLogger(__name__)


class ClientRateThrottle(SimpleRateThrottle):
    scope = "api_client"

    def __init__(self) -> None:
        self.cache = caches["api"]
        super().__init__()

    def get_rate(self) -> str:
        return str(settings.SAFEGUARD_API_RATE)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        client = request.auth
        if not isinstance(client, ApiClient):
            return None
        # The prefix as well as the id: a database made afresh reuses ids, never prefixes.
        return f"safeguard:api:throttle:{client.pk}:{client.prefix}"

    def allow_request(self, request: Request, view: Any) -> bool:
        try:
            return bool(super().allow_request(request, view))
        except Exception:  # Redis down must hold nothing up (docs/reliability.md): not counted, let through
            logger.warning("API rate limit not counted: the cache could not be reached", exc_info=True)
            return True
