"""The applications section of the 一户一档 page (wired in by settings.HOUSEHOLD_FILE_SECTIONS)."""
from .. import selectors

LIMIT = 50


def applications_section(actor, household, today):
    if not actor.can("application.view"):
        return None
    rows = list(selectors.application_list_for_household(actor, household.pk)[:LIMIT + 1])
    return {"template": "approvals/_household_applications.html", "applications": rows[:LIMIT], "more": len(rows) > LIMIT,
            "limit": LIMIT}
