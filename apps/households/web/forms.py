from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from apps.core.forms import StyledFormMixin
from apps.regions.selectors import villages_under

from ..models import Household, LabourCapacity, Relation


class HouseholdForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Household
        fields = ["village", "head_name", "head_id_number", "status", "national_no", "phone", "address", "size",
                  "labour_count", "annual_income", "industry"]
        widgets = {
            "head_id_number": forms.TextInput(attrs={"autocomplete": "off", "maxlength": 18, "class": "form-control id-number"}),
            "phone": forms.TextInput(attrs={"inputmode": "tel"}),
        }

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages_under(actor.scope_prefix or "").select_related("parent")
        self.fields["village"].label_from_instance = lambda r: f"{r.parent.name if r.parent else ''} {r.name}"
        self.fields["village"].empty_label = _("Choose a village")
        self.fields["status"].choices = [("", _("Choose a status")), *[c for c in self.fields["status"].choices if c[0]]]
        # Uniqueness and ID rules are checked by the service with the domain's own messages.
        self.fields["head_id_number"].validators = []

    def validate_unique(self):
        pass

    def _get_validation_exclusions(self):
        # The model's CHECK constraints on these fields guard the database; the service checks the same rules and
        # reports them on the right field in the user's words, instead of Django's "constraint … is violated".
        return super()._get_validation_exclusions() | {"head_id_number", "size", "labour_count"}


class MemberForm(StyledFormMixin, forms.Form):
    name = forms.CharField(max_length=50, label=_("Full name"))
    id_number = forms.CharField(max_length=18, label=_("ID number"), widget=forms.TextInput(attrs={"class": "form-control id-number"}))
    # Initial values equal to what the selects post by default, so an untouched blank row counts as unchanged.
    relation = forms.ChoiceField(choices=[c for c in Relation.choices if c[0] != Relation.HEAD], label=_("relation to head"),
                                 initial=Relation.SPOUSE)
    labour_capacity = forms.ChoiceField(choices=LabourCapacity.choices, label=_("labour capacity"), initial=LabourCapacity.FULL)


MemberFormSet = formset_factory(MemberForm, extra=1, can_delete=True)


class RatingForm(StyledFormMixin, forms.Form):
    comment = forms.CharField(max_length=300, required=False, label=_("Panel opinion"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        for item in items:
            self.fields[f"item_{item.code}"] = forms.DecimalField(
                label=f"{item.name}（0–{item.max_points}）", min_value=0, max_value=item.max_points, decimal_places=1,
            )
        self.fields["comment"] = self.fields.pop("comment")
        for field in self.fields.values():
            if isinstance(field, forms.DecimalField):
                field.widget.attrs.update({"class": "form-control", "inputmode": "decimal"})

    def item_scores(self) -> dict:
        return {k[5:]: v for k, v in self.cleaned_data.items() if k.startswith("item_")}
