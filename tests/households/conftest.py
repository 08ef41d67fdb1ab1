import pytest


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Uploads and exports of a test land in its own folder."""
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def officer_client(client, county_officer):
    client.force_login(county_officer)
    return client
