from tests.approvals.conftest import chain  # noqa: F401
