"""Reads over post-loan work, for pages that gather it per household."""
from .models import CollectionNotice, Finding, Inspection


def inspection_list_for_household(actor, household_id: int):
    """Inspections of the household's loans that the actor may see, newest first."""
    return (Inspection.objects.visible_to(actor).filter(loan__household_id=household_id)
            .select_related("loan").order_by("-done_on", "-id"))


def finding_list_for_household(actor, household_id: int):
    """Problems found at the household's inspections and their rectification, newest first."""
    return (Finding.objects.visible_to(actor).filter(loan__household_id=household_id)
            .select_related("loan", "inspection", "responsible").order_by("-created_at", "-id"))


def collection_notice_list_for_household(actor, household_id: int):
    """Due and overdue collection notices of the household's loans, newest first."""
    return (CollectionNotice.objects.visible_to(actor).filter(loan__household_id=household_id)
            .select_related("loan").order_by("-issued_on", "-id"))
