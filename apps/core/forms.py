from django import forms

from .dates import business_today


class BusinessDateInput(forms.DateInput):
    """A date picker for something that happened: the browser offers no day after today (Asia/Shanghai). Only a
    convenience: the service refuses such dates whatever the browser sends."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["max"] = business_today().isoformat()  # at render time, not at import
        return context


class StyledFormMixin:
    """Bootstrap classes on every widget, numeric keypads for numbers on tablets."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")
            if isinstance(field, forms.DecimalField):
                widget.attrs.setdefault("inputmode", "decimal")
            elif isinstance(field, forms.IntegerField):
                widget.attrs.setdefault("inputmode", "numeric")


def add_domain_errors(form, error) -> None:
    """Put a DomainError's field problems onto a bound form (unknown fields become non-field errors)."""
    from .messages import message

    if not error.fields:
        form.add_error(None, error.detail)
        return
    for field, codes in error.fields.items():
        target = field if field in form.fields else None
        for code in codes if isinstance(codes, list | tuple) else [codes]:
            form.add_error(target, message(code, **error.params))
