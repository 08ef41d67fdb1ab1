"""Run by .ci/schemathesis through `manage.py shell` on the seeded fuzz database. Prints a bank officer's API token,
a county officer's session key and a CSRF token (as a browser holds them); appends to the run's schemathesis config
the ids of the seeded objects, so most generated cases address objects that exist and reach the services."""
import os

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.middleware.csrf import _get_new_csrf_string

from apps.accounts.models import ApiToken, User
from apps.approvals.models import Application
from apps.households.models import Household
from apps.loans.models import Loan

_, key = ApiToken.issue(User.objects.get(username="pengxi_bank"), "schemathesis")
county = User.objects.get(username="pengxi_xian")
session = SessionStore()
session[SESSION_KEY], session[BACKEND_SESSION_KEY] = str(county.pk), "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = county.get_session_auth_hash()
session.create()
with open(os.environ["FUZZ_CONFIG"], "a") as f:
    for name, model in (("households", Household), ("applications", Application), ("loans", Loan)):
        ids = list(model.objects.order_by("id").values_list("id", flat=True)[:50])
        if not ids:
            continue
        f.write(f"\n[dictionaries.{name}]\nvalues = {ids}\n\n[[operations]]\n"
                f"include-path-regex = '^/api/v1/{name}/[{{]id[}}]/'\n"
                f'parameters = {{ "path.id" = {{ dictionary = "{name}", probability = 0.8 }} }}\n')
print(key, session.session_key, _get_new_csrf_string())
