"""{% calendar_note day %}: beside a deadline counted in working days, say when its year has no holiday data
(the deadline was then counted on weekends alone and may be wrong)."""
from django import template

from apps.regions.calendar import coverage_warning

register = template.Library()


@register.simple_tag
def calendar_note(*days):
    return coverage_warning(*[d for d in days if d])
