"""The post-loan document routes mounted on their own for these tests, whatever apps/postloan/web/urls.py includes yet."""
from django.urls import include, path

from microcredit.urls import urlpatterns as project

urlpatterns = [
    path("docs-test/postloan/", include(("apps.postloan.web.documents", "postloan"), namespace="docs_postloan")),
    *project,
]
