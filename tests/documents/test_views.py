"""Downloads: the owner gets the file with a Chinese file name; another county or another bank gets a 404."""
import io
from urllib.parse import quote

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from apps.core.pdf import XLSX_CONTENT_TYPE

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.documents.urls")]


def _get(client, user, name, pk):
    client.force_login(user)
    return client.get(reverse(name, kwargs={"pk": pk}))


def _assert_file(response, content_type, title):
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename=")
    assert f"filename*=UTF-8''{quote(title)}" in disposition
    assert response["Cache-Control"] == "private, no-store"


def test_application_form_download(client, full_application, people, other_county_officer):
    response = _get(client, people["county_officer"], "docs_approvals:application-pdf", full_application.pk)
    _assert_file(response, "application/pdf", "扶贫小额信贷审批表-")
    assert response.content.startswith(b"%PDF")
    assert quote(full_application.household.head_name) in response["Content-Disposition"]
    assert _get(client, people["banker"], "docs_approvals:application-pdf", full_application.pk).status_code == 200
    assert _get(client, other_county_officer, "docs_approvals:application-pdf", full_application.pk).status_code == 404
    assert _get(client, people["other_banker"], "docs_approvals:application-pdf", full_application.pk).status_code == 404


def test_batch_downloads(client, village_batch, people, other_county_officer):
    pdf = _get(client, people["county_officer"], "docs_approvals:batch-pdf", village_batch.pk)
    _assert_file(pdf, "application/pdf", "扶贫小额信贷审批汇总表-")
    assert pdf.content.startswith(b"%PDF")
    xlsx = _get(client, people["county_officer"], "docs_approvals:batch-xlsx", village_batch.pk)
    _assert_file(xlsx, XLSX_CONTENT_TYPE, f"扶贫小额信贷审批汇总表-{village_batch.pk}.xlsx")
    assert load_workbook(io.BytesIO(xlsx.content)).active.max_row == 9  # title, unit, header, 3 rows, 2 totals, words
    for name in ("docs_approvals:batch-pdf", "docs_approvals:batch-xlsx"):
        assert _get(client, other_county_officer, name, village_batch.pk).status_code == 404
        assert _get(client, people["other_banker"], name, village_batch.pk).status_code == 404  # none of its applications


def test_notice_download(client, notice, people, other_county_officer):
    response = _get(client, people["county_officer"], "docs_loans:notice-pdf", notice.pk)
    _assert_file(response, "application/pdf", "扶贫小额信贷公示-蓬溪县赤城镇新桥村-2024-06-07.pdf")
    assert response.content.startswith(b"%PDF")
    assert _get(client, people["secretary"], "docs_loans:notice-pdf", notice.pk).status_code == 200
    assert _get(client, other_county_officer, "docs_loans:notice-pdf", notice.pk).status_code == 404


def test_downloads_need_a_login(client, full_application):
    response = client.get(reverse("docs_approvals:application-pdf", kwargs={"pk": full_application.pk}))
    assert response.status_code == 302 and "login" in response["Location"]


def test_only_get(client, full_application, people):
    client.force_login(people["county_officer"])
    assert client.post(reverse("docs_approvals:application-pdf", kwargs={"pk": full_application.pk})).status_code == 405


def test_project_names_once_included(client, full_application, people):
    """approvals:application-pdf etc. once the project's urls.py includes these modules."""
    from django.test.utils import override_settings
    from django.urls import NoReverseMatch

    with override_settings(ROOT_URLCONF="microcredit.urls"):
        try:
            url = reverse("approvals:application-pdf", kwargs={"pk": full_application.pk})
        except NoReverseMatch:
            pytest.skip("apps.approvals.web.documents is not included in microcredit/urls.py yet")
        assert url == f"/approvals/applications/{full_application.pk}/form.pdf"
        assert reverse("approvals:batch-pdf", kwargs={"pk": 1}) == "/approvals/batches/1/summary.pdf"
        assert reverse("approvals:batch-xlsx", kwargs={"pk": 1}) == "/approvals/batches/1/summary.xlsx"
        assert reverse("loans:notice-pdf", kwargs={"pk": 1}) == "/loans/notices/1/notice.pdf"
        client.force_login(people["county_officer"])
        assert client.get(url)["Content-Type"] == "application/pdf"
