from django import forms
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import Bank
from apps.core.forms import BusinessDateInput, StyledFormMixin
from apps.loans.models import Purpose


class ApplicationForm(StyledFormMixin, forms.Form):
    borrower = forms.ModelChoiceField(queryset=None, label=_("Borrower"), empty_label=None)
    amount = forms.DecimalField(label=_("Amount (yuan)"), max_digits=14, decimal_places=2, min_value=0.01)
    term_months = forms.IntegerField(label=_("Term (months)"), min_value=1, max_value=60)
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices)
    project = forms.CharField(label=_("Industry project"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    bank = forms.ModelChoiceField(queryset=Bank.objects.none(), label=_("Lending bank"))
    cooperative_mode = forms.BooleanField(label=_("Cooperative mode (带资带劳)"), required=False)
    cooperative_consent = forms.CharField(label=_("Household's consent"), max_length=300, required=False,
                                          help_text=_("Required for the cooperative mode: who agreed, when, how it is recorded."))
    submit_now = forms.BooleanField(label=_("Submit to the village review now"), required=False, initial=True)

    def __init__(self, *args, household=None, banks=None, default_bank=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["borrower"].queryset = household.members.all().order_by("id")
        self.fields["borrower"].initial = household.members.filter(relation="head").first()
        self.fields["bank"].queryset = banks
        self.fields["bank"].initial = default_bank


class ActionForm(StyledFormMixin, forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in ("submit", "village_approve", "township_approve", "county_recommend",
                                                         "bank_approve", "return", "reject", "opinion", "withdraw")])
    expected_state = forms.CharField()
    comment = forms.CharField(max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2}), label=_("Comment"))
    amount = forms.DecimalField(required=False, max_digits=14, decimal_places=2, label=_("Approved amount (yuan)"))
    term_months = forms.IntegerField(required=False, min_value=1, max_value=36, label=_("Approved term (months)"))
    contract_no = forms.CharField(required=False, max_length=50, label=_("Contract number"))
    receipt_no = forms.CharField(required=False, max_length=50, label=_("Loan receipt number"))
    signed_on = forms.DateField(required=False, label=_("Signed on"), widget=BusinessDateInput)


class RenewForm(StyledFormMixin, forms.Form):
    term_months = forms.IntegerField(min_value=1, max_value=36, label=_("New term (months)"))
    contract_no = forms.CharField(max_length=50, label=_("Contract number"))
    receipt_no = forms.CharField(max_length=50, label=_("Loan receipt number"))
    signed_on = forms.DateField(label=_("Signed on"), widget=BusinessDateInput)
