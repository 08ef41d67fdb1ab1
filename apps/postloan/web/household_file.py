"""The post-loan sections of the 一户一档 page (wired in by settings.HOUSEHOLD_FILE_SECTIONS): inspections with the
problems found and their rectification, and collection notices."""
from .. import selectors

LIMIT = 20


def _capped(qs):
    rows = list(qs[:LIMIT + 1])
    return rows[:LIMIT], len(rows) > LIMIT


def inspections_section(actor, household, today):
    if not actor.can("loan.view"):
        return None
    inspections, more_inspections = _capped(selectors.inspection_list_for_household(actor, household.pk))
    findings, more_findings = _capped(selectors.finding_list_for_household(actor, household.pk))
    return {"template": "postloan/_household_inspections.html", "inspections": inspections, "findings": findings,
            "more_inspections": more_inspections, "more_findings": more_findings, "limit": LIMIT, "today": today}


def notices_section(actor, household, today):
    if not actor.can("loan.view"):
        return None
    notices, more = _capped(selectors.collection_notice_list_for_household(actor, household.pk))
    return {"template": "postloan/_household_notices.html", "notices": notices, "more": more, "limit": LIMIT,
            "today": today}
