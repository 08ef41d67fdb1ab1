"""Domain errors carry a stable code; HTML and API render them through one catalogue."""
from .messages import message


class DomainError(Exception):
    status = 400

    def __init__(self, code: str, fields: dict | None = None, status: int | None = None, **params):
        self.code = code
        self.params = params
        self.fields = fields or {}
        if status:
            self.status = status
        super().__init__(code)

    @property
    def detail(self) -> str:
        return message(self.code, **self.params)


class Conflict(DomainError):
    status = 409
