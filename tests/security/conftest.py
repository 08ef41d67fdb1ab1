from tests.approvals.conftest import chain  # noqa: F401 - the county, bank and users of the review chain
