from tests.approvals.conftest import chain  # noqa: F401 - the same county, bank and users
