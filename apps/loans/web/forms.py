from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.forms import BusinessDateInput, StyledFormMixin


class DateInput(forms.DateInput):
    input_type = "date"


class DisburseForm(StyledFormMixin, forms.Form):
    disbursed_on = forms.DateField(label=_("Disbursed on"), widget=BusinessDateInput)


class RepaymentForm(StyledFormMixin, forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), widget=BusinessDateInput)
    principal = forms.DecimalField(label=_("Principal"), max_digits=14, decimal_places=2, min_value=0, initial=0)
    interest = forms.DecimalField(label=_("Interest"), max_digits=14, decimal_places=2, min_value=0, initial=0)
    penalty = forms.DecimalField(label=_("Penalty interest"), max_digits=14, decimal_places=2, min_value=0, initial=0)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)


class TermChangeForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(choices=[("extension", _("Extension (展期)")), ("deferral", _("Epidemic deferral (延期还款)"))], label=_("Kind"))
    months = forms.IntegerField(label=_("Months (extension)"), min_value=1, max_value=36, required=False)
    new_maturity_on = forms.DateField(label=_("New maturity date (deferral)"), required=False, widget=DateInput)
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class DecideForm(StyledFormMixin, forms.Form):
    approve = forms.TypedChoiceField(choices=[("1", _("Approve")), ("0", _("Reject"))], coerce=lambda v: v == "1", label=_("Decision"))
    comment = forms.CharField(label=_("Comment"), max_length=500, required=False)
