"""One error shape for the API, whatever failed: an unknown path under /api/, an exception in a DRF view or
outside DRF answer {code, detail (in Chinese), fields} as JSON; HTML paths keep HTML error pages."""
import logging

import pytest
from django.test import Client

from apps.accounts.api.views import MeApi
from apps.core.messages import message

ERROR_KEYS = {"code", "detail", "fields"}


def _api_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == ERROR_KEYS and body["code"] == code and body["fields"] == {}, body
    assert body["detail"] == message(code)
    return body


@pytest.fixture
def quiet_client():
    """A test client that answers 500 like the server instead of raising the view's exception."""
    return Client(raise_request_exception=False)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/nope/", "/api/v1/nope", "/api/v1/households/x/y/", "/api/nope/"])
def test_unknown_api_path_answers_404_json(client, county_officer, path):
    assert _api_error(Client().get(path), 404, "not_found")["detail"] == "未找到。"  # anonymous
    client.force_login(county_officer)
    assert _api_error(client.get(path), 404, "not_found")["detail"] == "未找到。"
    _api_error(client.post("/api/v1/nope/", data={}, content_type="application/json"), 404, "not_found")


@pytest.mark.django_db
def test_unknown_html_path_keeps_the_html_404_page(client, county_officer):
    client.force_login(county_officer)
    response = client.get("/households/nope/x/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert b'data-testid="error-title"' in response.content
    assert b'"code"' not in response.content
    assert "页面" in response.content.decode() or "Page not found" in response.content.decode()


@pytest.mark.django_db
def test_exception_in_a_drf_view_answers_500_json_and_is_logged(quiet_client, county_officer, monkeypatch, caplog, settings):
    settings.DEBUG = False

    def fail(self, request):
        raise RuntimeError("boom: secret detail")

    monkeypatch.setattr(MeApi, "get", fail)
    quiet_client.force_login(county_officer)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        body = _api_error(quiet_client.get("/api/v1/me/"), 500, "server_error")
    assert body["detail"] == "服务器错误。"
    assert "secret" not in str(body)
    logged = [r for r in caplog.records if r.name == "django.request" and r.levelno == logging.ERROR]
    assert len(logged) == 1, [r.getMessage() for r in caplog.records]
    assert logged[0].exc_info and isinstance(logged[0].exc_info[1], RuntimeError)
    assert "/api/v1/me/" in logged[0].getMessage()


@pytest.mark.django_db
def test_exception_in_a_drf_view_still_reaches_the_test_client(client, county_officer, monkeypatch, settings):
    """got_request_exception is sent, so error reporters hear of it and a default test client re-raises it."""
    settings.DEBUG = False
    monkeypatch.setattr(MeApi, "get", lambda self, request: 1 / 0)
    client.force_login(county_officer)
    with pytest.raises(ZeroDivisionError):
        client.get("/api/v1/me/")


@pytest.mark.django_db
def test_with_debug_the_developer_gets_django_s_technical_page(quiet_client, county_officer, monkeypatch, settings):
    settings.DEBUG = True
    monkeypatch.setattr(MeApi, "get", lambda self, request: 1 / 0)
    quiet_client.force_login(county_officer)
    response = quiet_client.get("/api/v1/me/")
    assert response.status_code == 500
    assert b"ZeroDivisionError" in response.content


@pytest.mark.django_db
@pytest.mark.urls("tests.core.error_urls")
def test_exception_outside_drf_under_api_answers_500_json(quiet_client, county_officer, settings, caplog):
    settings.DEBUG = False
    quiet_client.force_login(county_officer)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        body = _api_error(quiet_client.get("/api/v1/plain-boom/"), 500, "server_error")
    assert "secret" not in str(body)
    assert any(r.exc_info and isinstance(r.exc_info[1], RuntimeError) for r in caplog.records)
    _api_error(quiet_client.get("/api/v1/plain-forbidden/"), 403, "permission_denied")
    _api_error(quiet_client.get("/api/v1/nope/"), 404, "not_found")


@pytest.mark.django_db
@pytest.mark.urls("tests.core.error_urls")
def test_html_paths_keep_the_html_error_pages(quiet_client, county_officer, settings):
    settings.DEBUG = False
    quiet_client.force_login(county_officer)
    response = quiet_client.get("/boom/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    assert b'data-testid="error-title"' in response.content and b"secret" not in response.content
    response = quiet_client.get("/forbidden/")
    assert response.status_code == 403 and response["Content-Type"].startswith("text/html")
    response = quiet_client.get("/nope/")
    assert response.status_code == 404 and b'data-testid="error-title"' in response.content
