"""The API's body parsers: what DRF's own let escape as a 500 is a 400 `parse_error`.

- JSON nested a few thousand levels deep makes `json.loads` raise RecursionError (a cheap 500 for any caller).
- A form body with more than DATA_UPLOAD_MAX_NUMBER_FIELDS fields makes `parse_qsl` raise a bare ValueError (Django
  turns it into TooManyFieldsSent for its own forms, DRF's FormParser does not)."""
from django.core.exceptions import TooManyFieldsSent
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply")


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except (TooManyFieldsSent, ValueError) as exc:
            raise ParseError(f"Form parse error - {exc}")


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except TooManyFieldsSent as exc:
            raise ParseError(f"Multipart form parse error - {exc}")
