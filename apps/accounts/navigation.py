"""Role-aware navigation: an item shows when the user holds its capability."""
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

ITEMS = [
    ("home", _("Work queue"), None),
    ("approvals:queue", _("Review queue"), "application.view"),
    ("approvals:list", _("Applications"), "application.view"),
    ("loans:list", _("Loans"), "loan.view"),
    ("loans:notices", _("Public notices"), "loan.view"),
    ("postloan:tasks", _("Field tasks"), "loan.view"),
    ("postloan:bulletin", _("Daily bulletin"), "loan.view"),
    ("households:list", _("Household register"), "household.view"),
    ("households:import", _("Import households"), "household.import"),
    ("regions:policy", _("County policy"), "policy.view"),
    ("accounts:tokens", _("API tokens"), "token.manage"),
]


def menu_for(user, path: str):
    out = []
    for name, label, capability in ITEMS:
        if capability and not user.can(capability):
            continue
        url = reverse(name)
        active = path == url if url == "/" else path.startswith(url)
        out.append({"url": url, "label": label, "active": active})
    return out
