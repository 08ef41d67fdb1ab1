import pytest
from django.core.exceptions import ValidationError

from apps.regions.models import Level
from tests.factories import BankFactory, bank_user


@pytest.mark.django_db
def test_a_bank_users_branch_must_belong_to_the_users_bank(tree):
    township = tree["a"][Level.TOWNSHIP]
    user = bank_user(township)
    user.full_clean()  # its own bank's branch
    other_bank = bank_user(township, bank=BankFactory()).branch
    user.branch = other_bank
    with pytest.raises(ValidationError) as exc:
        user.full_clean()
    assert "branch" in exc.value.message_dict
