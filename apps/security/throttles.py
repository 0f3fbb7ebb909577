"""Request throttles: per API key and per user (DRF; counters in Redis).

Throttling limits load and scraping; it is not the brute-force defence (django-axes is).
"""

from rest_framework.throttling import SimpleRateThrottle

from apps.security.models import ApiKey


class ApiKeyRateThrottle(SimpleRateThrottle):
    scope = "api_key"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiKey):
            return self.cache_format % {"scope": self.scope, "ident": request.auth.prefix}
        return None


class SignedInUserRateThrottle(SimpleRateThrottle):
    scope = "user"

    def get_cache_key(self, request, view):
        user = request.user
        if user and user.is_authenticated and user.pk is not None:
            return self.cache_format % {"scope": self.scope, "ident": user.pk}
        return None


class AnonymousRateThrottle(SimpleRateThrottle):
    scope = "anon"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
