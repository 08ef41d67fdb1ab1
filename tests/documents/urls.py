"""The document routes mounted on their own for these tests, whatever the project's urls.py includes yet."""
from django.urls import include, path

from microcredit.urls import urlpatterns as project

urlpatterns = [
    path("docs-test/approvals/", include(("apps.approvals.web.documents", "approvals"), namespace="docs_approvals")),
    path("docs-test/loans/", include(("apps.loans.web.documents", "loans"), namespace="docs_loans")),
    *project,
]
