import functools

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from apps.accounts.web.views import CapabilityRequiredMixin
from apps.core import filters
from apps.core.errors import DomainError
from apps.core.forms import add_domain_errors
from apps.core.messages import message
from apps.core.web import paginate
from apps.regions.models import Level, Region
from apps.regions.selectors import policy_for, villages_under

from .. import policy, selectors, services
from ..filters import HouseholdFilter, region_filter
from ..models import CreditGrade, Household, Relation, Status
from .forms import HouseholdForm, MemberFormSet, RatingForm

PAGE_SIZE = 25


def get_household_or_404(actor, pk) -> Household:
    try:
        return selectors.household_get(actor, pk)
    except Household.DoesNotExist:
        raise Http404 from None


def township_options(user):
    scope = user.scope_prefix
    if scope is None:
        return []
    return Region.objects.filter(level=Level.TOWNSHIP, code__startswith=scope[:9], active=True)[:200]


def village_options(user, township: str):
    """The villages offered for a township, inside the user's scope; without a township only a user of one township
    (or village) gets a list: a county has hundreds of villages."""
    scope = user.scope_prefix
    if scope is None:
        return Region.objects.none()
    if township:
        if township.startswith(scope):
            prefix = township
        elif scope.startswith(township):
            prefix = scope
        else:
            return Region.objects.none()
    elif len(scope) >= 9:
        prefix = scope
    else:
        return Region.objects.none()
    return villages_under(prefix).order_by("code")[:500]


class HouseholdListView(CapabilityRequiredMixin, TemplateView):
    capability = "household.view"
    template_name = "households/list.html"

    def get(self, request, *args, **kwargs):
        if request.GET.get("partial") == "villages":  # htmx: the village select for the township just chosen
            place = region_filter(request.GET, request.user.scope_prefix)
            return render(request, "households/_village_select.html", {
                "villages": village_options(request.user, place["township"]), "filters": place,
                "need_township": not place["township"] and len(request.user.scope_prefix or "") < 9,
            })
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        found = filters.bind(HouseholdFilter, self.request, Household.objects.none())
        selection = found.selection()
        place = found.place
        qs = selectors.household_list(user, **selection)
        qs = qs.select_related("village", "village__parent").order_by("region_code", "head_name", "id")
        pages = paginate(self.request, qs, PAGE_SIZE)
        ctx.update(
            pages, households=pages["page_obj"].object_list, rating_due=bool(selection["rating_due_on"]),
            filters={"q": selection["q"], "township": place["township"], "village": place["village"],
                     "status": selection["status"], "grade": selection["grade"]},
            filter_errors=found.filter_errors,
            statuses=Status.choices, grades=[("AAA", "AAA"), ("AA", "AA"), ("A", "A"), ("none", _("Not rated"))],
            townships=township_options(user), villages=village_options(user, place["township"]),
            need_township=not place["township"] and len(user.scope_prefix or "") < 9,
        )
        return ctx


class HouseholdDetailView(CapabilityRequiredMixin, TemplateView):
    """一户一档: everything known about one household."""

    capability = "household.view"
    template_name = "households/detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        household = get_household_or_404(self.request.user, kwargs["pk"])
        today = timezone.localdate()
        rerating_months = policy_for(household.region_code, today).rerating_months
        due_on = policy.rerating_due_on(household.rated_on, rerating_months) if household.rated_on else None
        ctx.update(
            household=household,
            members=sorted(household.members.all(), key=lambda m: (m.relation != Relation.HEAD, m.id)),
            ratings=household.ratings.select_related("rated_by")[:20],
            events=household.events.select_related("actor")[:50],
            village_path=list(household.village.ancestors()) + [household.village],
            rerating_due_on=due_on, rerating_months=rerating_months,
            rating_overdue=due_on is None or due_on <= today,
            can_edit=self.request.user.can("household.edit"),
            can_rate=self.request.user.can("household.rate"),
            file_sections=file_sections(self.request.user, household, today),
        )
        return ctx


@functools.cache
def _section_provider(path: str):
    return import_string(path)


def file_sections(actor, household, today) -> list[dict]:
    """The sections the apps above the register add to the 一户一档 page. The register may not import them (DESIGN §3),
    so the project lists them in settings.HOUSEHOLD_FILE_SECTIONS; each returns its template and context (scoped
    with `visible_to(actor)`), or None when the user may not see it."""
    sections = (_section_provider(path)(actor, household, today) for path in settings.HOUSEHOLD_FILE_SECTIONS)
    return [s for s in sections if s]


def _member_forms(formset):
    return [f for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]


def _members_from(formset) -> list[dict]:
    return [{k: f.cleaned_data[k] for k in ("name", "id_number", "relation", "labour_capacity")} for f in _member_forms(formset)]


def _show_errors(form, formset, exc) -> None:
    """Put each problem next to its field: `members.N.field` on the N-th member row kept, the rest on the household form."""
    rows = _member_forms(formset)
    own = {}
    for key, codes in exc.fields.items():
        parts = key.split(".")
        if parts[0] == "members" and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(rows):
            for code in codes:
                rows[int(parts[1])].add_error(parts[2] if parts[2] in rows[int(parts[1])].fields else None, message(code))
        else:
            own[key] = codes
    if own or not exc.fields:
        add_domain_errors(form, DomainError(exc.code, fields=own, status=exc.status, **exc.params))


class HouseholdCreateView(CapabilityRequiredMixin, TemplateView):
    capability = "household.edit"
    template_name = "households/form.html"

    def get(self, request, *args, **kwargs):
        return self.render_to_response({"form": HouseholdForm(actor=request.user), "formset": MemberFormSet(prefix="m")})

    def post(self, request, *args, **kwargs):
        form = HouseholdForm(request.POST, actor=request.user)
        formset = MemberFormSet(request.POST, prefix="m")
        if form.is_valid() and formset.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "village"}
            try:
                household = services.household_create(request.user, village=form.cleaned_data["village"],
                                                      members=_members_from(formset), **data)
            except DomainError as exc:
                _show_errors(form, formset, exc)
            else:
                messages.success(request, _("Household %(name)s registered.") % {"name": household.head_name})
                return redirect("households:detail", pk=household.pk)
        return self.render_to_response({"form": form, "formset": formset})


class HouseholdUpdateView(CapabilityRequiredMixin, TemplateView):
    capability = "household.view"
    template_name = "households/form.html"

    def _initial_members(self, household):
        return [
            {"name": m.name, "id_number": m.id_number, "relation": m.relation, "labour_capacity": m.labour_capacity}
            for m in household.members.exclude(relation=Relation.HEAD).order_by("id")
        ]

    def get(self, request, pk):
        household = get_household_or_404(request.user, pk)
        self.require("household.edit")
        return self.render_to_response({
            "household": household,
            "form": HouseholdForm(instance=household, actor=request.user),
            "formset": MemberFormSet(prefix="m", initial=self._initial_members(household)),
            "borrower_ids": services.borrower_id_numbers(household),
        })

    def post(self, request, pk):
        household = get_household_or_404(request.user, pk)
        self.require("household.edit")
        form = HouseholdForm(request.POST, instance=Household.objects.get(pk=household.pk), actor=request.user)
        formset = MemberFormSet(request.POST, prefix="m")
        if form.is_valid() and formset.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "village"}
            try:
                services.household_update(request.user, household, village=form.cleaned_data["village"],
                                          members=_members_from(formset), **data)
            except DomainError as exc:
                _show_errors(form, formset, exc)
            else:
                messages.success(request, _("Changes saved."))
                return redirect("households:detail", pk=household.pk)
        return self.render_to_response({"household": household, "form": form, "formset": formset,
                                        "borrower_ids": services.borrower_id_numbers(household)})


class HouseholdRateView(CapabilityRequiredMixin, TemplateView):
    capability = "household.view"
    template_name = "households/rate.html"

    def _items(self, household):
        return services.scorecard_for(household.region_code)

    def get(self, request, pk):
        household = get_household_or_404(request.user, pk)
        self.require("household.rate")
        items = self._items(household)
        return self.render_to_response({"household": household, "items": items, "form": RatingForm(items=items)})

    def post(self, request, pk):
        household = get_household_or_404(request.user, pk)
        self.require("household.rate")
        items = self._items(household)
        form = RatingForm(request.POST, items=items)
        if form.is_valid():
            try:
                rating = services.household_rate(request.user, household, item_scores=form.item_scores(),
                                                 comment=form.cleaned_data["comment"])
            except DomainError as exc:
                add_domain_errors(form, exc)
            else:
                grade = rating.grade or CreditGrade.NONE.label
                messages.success(request, _("Rated %(score)s points: %(grade)s.") % {"score": rating.score, "grade": grade})
                return redirect("households:detail", pk=household.pk)
        return self.render_to_response({"household": household, "items": items, "form": form})
