"""Roles and what each may do. Capabilities are checked in services and views; visibility is
separate (apps.core.scoping)."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    VILLAGE_MEMBER = "village_member", _("Village inspection group member")
    TOWNSHIP_OFFICER = "township_officer", _("Township poverty-office officer")
    TOWNSHIP_LEADER = "township_leader", _("Township leader")
    COUNTY_OFFICER = "county_officer", _("County poverty-office officer")
    COUNTY_HEAD = "county_head", _("Head of the county leading group")
    FINANCE_OFFICER = "finance_officer", _("Finance bureau officer")
    BANK_OFFICER = "bank_officer", _("Bank loan officer")
    SUPERVISOR = "supervisor", _("Supervisor (read-only)")
    SYSADMIN = "sysadmin", _("System administrator")


class Position(models.TextChoices):
    FIRST_SECRETARY = "first_secretary", _("First secretary")
    PARTY_SECRETARY = "party_secretary", _("Village party secretary")
    ACCOUNTANT = "accountant", _("Village accountant")
    CADRE = "cadre", _("Poverty-alleviation cadre")
    CREDIT_OFFICER = "credit_officer", _("Credit officer")


# Which capability each role has. Keep this table the single source: the navigation, the views,
# the API permissions and the README's role table all follow it.
CAPABILITIES: dict[str, set[str]] = {
    "household.view": {r.value for r in Role},
    "household.edit": {Role.VILLAGE_MEMBER, Role.TOWNSHIP_OFFICER, Role.COUNTY_OFFICER, Role.SYSADMIN},
    "household.import": {Role.TOWNSHIP_OFFICER, Role.COUNTY_OFFICER, Role.SYSADMIN},
    "household.export": {r.value for r in Role},
    "household.rate": {Role.VILLAGE_MEMBER, Role.BANK_OFFICER, Role.COUNTY_OFFICER, Role.SYSADMIN},
    "token.manage": {Role.SYSADMIN},
    "application.view": {r.value for r in Role},
    "application.create": {Role.VILLAGE_MEMBER},
    "loan.view": {r.value for r in Role},
    "notice.publish": {Role.COUNTY_OFFICER, Role.COUNTY_HEAD},
    "policy.view": {r.value for r in Role},
}


def has_capability(role: str, capability: str) -> bool:
    return role in CAPABILITIES.get(capability, set())
