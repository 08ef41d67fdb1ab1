import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_chinese_whatever_the_browser_asks_and_english_on_request(client):
    page = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert page["Content-Language"] == "zh-hans" and "登录" in page.content.decode()
    client.cookies["django_language"] = "en"
    page = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert page["Content-Language"] == "en" and "Log in" in page.content.decode()
    client.cookies["django_language"] = "xx"
    assert client.get(reverse("accounts:login"))["Content-Language"] == "zh-hans"
