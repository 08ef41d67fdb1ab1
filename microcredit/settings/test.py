from .base import *  # noqa: F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_TASK_EAGER_PROPAGATES = True  # a failing task fails the test that ran it, not silently
# The API rate limits count in the cache, which lives as long as the test process: every test's requests would
# draw on one allowance (anonymous ones share an address, and SQLite reuses user ids after a rollback). The
# classes stay configured; tests of the limits lower the rates themselves.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "100000/min", "user": "100000/min"}}  # noqa: F405
API_AUTH_FAILURES_PER_IP = 0  # the same: the 401s of every test would add up (tests/security sets its own)
