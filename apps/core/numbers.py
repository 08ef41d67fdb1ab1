"""Numbers are read in ASCII digits only, everywhere.

Python's int(), float() and Decimal() accept every Unicode decimal digit ("１２" == 12, "١٢" == 12), and so do the
number fields of Django forms and of DRF serializers built on them: a bank system or a form could post "１２" and
have it stored as 12, though nothing else in the platform (exports, reconciliation with the bank's core system,
search) reads such digits. `install()` (CoreConfig.ready) makes the number fields of both refuse a string with any
non-ASCII character as "invalid", once for every form and serializer, generated ones (ModelSerializer, admin)
included. ID numbers are text, not numbers: they keep accepting full-width digits, normalised (core.idnumber)."""
from django import forms
from django.core.exceptions import ValidationError
from rest_framework import serializers


def _not_ascii(value) -> bool:
    return isinstance(value, str) and not value.isascii()


def _strict_form_field(cls):
    to_python = cls.to_python

    def strict_to_python(self, value):
        if _not_ascii(value):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return to_python(self, value)

    cls.to_python = strict_to_python


def _strict_serializer_field(cls):
    to_internal_value = cls.to_internal_value

    def strict_to_internal_value(self, data):
        if _not_ascii(data):
            self.fail("invalid")
        return to_internal_value(self, data)

    cls.to_internal_value = strict_to_internal_value


def install() -> None:
    for cls in (forms.IntegerField, forms.DecimalField, forms.FloatField):
        if "to_python" in vars(cls) and not getattr(cls.to_python, "ascii_only", False):
            _strict_form_field(cls)
            cls.to_python.ascii_only = True
    for cls in (serializers.IntegerField, serializers.DecimalField, serializers.FloatField):
        if not getattr(cls.to_internal_value, "ascii_only", False):
            _strict_serializer_field(cls)
            cls.to_internal_value.ascii_only = True
