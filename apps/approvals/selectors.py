"""Reads over applications."""
from .models import Application


def application_list_for_household(actor, household_id: int):
    """The household's applications the actor may see (a bank officer: those routed to their bank), newest first,
    with what a list row shows."""
    return (Application.objects.visible_to(actor).filter(household_id=household_id)
            .select_related("borrower", "bank", "loan").order_by("-applied_on", "-id"))
