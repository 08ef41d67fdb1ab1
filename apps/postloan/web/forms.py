from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core import uploads
from apps.core.errors import DomainError
from apps.core.forms import BusinessDateInput, StyledFormMixin

from ..models import CollectionLog, FindingCategory
from ..services import RECT_STEPS

MAX_PHOTOS = 10
FINDING_ROWS = 3
YES_NO = [("1", _("Yes")), ("0", _("No"))]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class YesNoField(forms.TypedChoiceField):
    """A big yes/no pair of toggle buttons (rendered by the template from the radio inputs)."""

    def __init__(self, **kwargs):
        super().__init__(choices=YES_NO, coerce=lambda v: v == "1", empty_value=None,
                         widget=forms.RadioSelect(attrs={"class": "btn-check"}), **kwargs)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos from the tablet's camera, each accepted by apps/core/uploads.py (detected type, size, re-encoded
    as a clean JPEG under a server-made name): the form names the photo that was refused."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"}))
        super().__init__(required=False, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(_("At most %(n)d photos per inspection.") % {"n": MAX_PHOTOS})
        accepted = []
        for f in files:
            try:
                accepted.append(uploads.accept(super().clean(f, initial), uploads.PHOTO))
            except DomainError as exc:
                raise forms.ValidationError(_("%(name)s: %(problem)s") % {"name": f.name, "problem": exc.detail}) from None
        return accepted


def _coordinate(value, places: str):
    return None if value is None else Decimal(str(value)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


class InspectionForm(StyledFormMixin, forms.Form):
    """《扶贫小额信贷贷后检查表》 on a tablet."""

    done_on = forms.DateField(label=_("Inspected on"), widget=BusinessDateInput)
    actual_use = forms.CharField(label=_("Actual use of the loan"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    use_matches = YesNoField(label=_("Does the use match the declared purpose?"))
    production_status = forms.CharField(label=_("Production status"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    income_effect = forms.CharField(label=_("Effect on income"), max_length=300, required=False,
                                    widget=forms.Textarea(attrs={"rows": 2}))
    risks = forms.CharField(label=_("Risks"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    inspectors = forms.CharField(label=_("Inspectors"), max_length=200,
                                 help_text=_("Everyone of the village group who took part, separated by 、"))
    photos = PhotosField(label=_("Photos"))
    latitude = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    longitude = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    accuracy_m = forms.FloatField(required=False, min_value=0, max_value=9_999_999, widget=forms.HiddenInput)
    client_id = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(1, FINDING_ROWS + 1):
            self.fields[f"finding_{i}_category"] = forms.ChoiceField(
                label=_("Problem %(n)d: category") % {"n": i}, required=False,
                choices=[("", _("— no problem —"))] + list(FindingCategory.choices))
            self.fields[f"finding_{i}_description"] = forms.CharField(
                label=_("Problem %(n)d: what was found") % {"n": i}, required=False, max_length=1000,
                widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}))
            self.fields[f"finding_{i}_category"].widget.attrs["class"] = "form-select"
        self.fields["use_matches"].widget.attrs["class"] = "btn-check"

    @property
    def finding_rows(self):
        return [(i, self[f"finding_{i}_category"], self[f"finding_{i}_description"]) for i in range(1, FINDING_ROWS + 1)]

    def clean(self):
        data = super().clean()
        findings = []
        for i in range(1, FINDING_ROWS + 1):
            category = data.get(f"finding_{i}_category") or ""
            description = (data.get(f"finding_{i}_description") or "").strip()
            if category and not description:
                self.add_error(f"finding_{i}_description", _("Describe the problem."))
            elif description and not category:
                self.add_error(f"finding_{i}_category", _("Choose the category of the problem."))
            elif category:
                findings.append({"category": category, "description": description})
        data["findings"] = findings
        data["latitude"] = _coordinate(data.get("latitude"), "0.000001")
        data["longitude"] = _coordinate(data.get("longitude"), "0.000001")
        data["accuracy_m"] = _coordinate(data.get("accuracy_m"), "0.1")
        if (data["latitude"] is None) != (data["longitude"] is None):
            data["latitude"] = data["longitude"] = data["accuracy_m"] = None
        return data


class FindingStepForm(StyledFormMixin, forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in RECT_STEPS], widget=forms.HiddenInput)
    plan = forms.CharField(label=_("Rectification measures"), max_length=1000, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))
    deadline = forms.DateField(label=_("Deadline"), required=False, widget=DateInput)
    result = forms.CharField(label=_("What was done"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    comment = forms.CharField(label=_("Comment"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class FollowUpForm(StyledFormMixin, forms.Form):
    use_matches = YesNoField(label=_("Was the money used as declared?"))
    result = forms.CharField(label=_("What the follow-up found"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    followed_up_on = forms.DateField(label=_("Follow-up date"), required=False, widget=BusinessDateInput,
                                     help_text=_("Leave empty for today."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["use_matches"].widget.attrs["class"] = "btn-check"


class WithdrawalForm(StyledFormMixin, forms.Form):
    amount = forms.DecimalField(label=_("Amount (yuan)"), max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    withdrawn_on = forms.DateField(label=_("Withdrawn on"), widget=BusinessDateInput)
    external_id = forms.CharField(label=_("Bank reference"), max_length=64,
                                  help_text=_("The voucher or transaction number: entering it twice records one withdrawal."))
    payee = forms.CharField(label=_("Payee"), max_length=100, required=False)
    note = forms.CharField(label=_("Declared use"), max_length=300, required=False)


class ReceiptForm(StyledFormMixin, forms.Form):
    signer = forms.CharField(label=_("Signed by"), max_length=50)
    signed_on = forms.DateField(label=_("Signed on"), widget=BusinessDateInput)


class CollectionLogForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=CollectionLog.Kind.choices)
    happened_on = forms.DateField(label=_("Date"), widget=BusinessDateInput)
    result = forms.CharField(label=_("Result"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    promise_to_pay_on = forms.DateField(label=_("Promised to pay on"), required=False, widget=DateInput)
    promised_amount = forms.DecimalField(label=_("Promised amount (yuan)"), max_digits=14, decimal_places=2, required=False,
                                         min_value=Decimal("0.01"))
