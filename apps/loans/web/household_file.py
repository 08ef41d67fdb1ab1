"""The loans section of the 一户一档 page (wired in by settings.HOUSEHOLD_FILE_SECTIONS)."""
from .. import selectors

LIMIT = 50


def loans_section(actor, household, today):
    if not actor.can("loan.view"):
        return None
    rows = list(selectors.loan_list_for_household(actor, household.pk)[:LIMIT + 1])
    return {"template": "loans/_household_loans.html", "loans": rows[:LIMIT], "more": len(rows) > LIMIT, "limit": LIMIT,
            "today": today}
