import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError

from apps.regions.models import CountyPolicy, Level, Region, RegionCodeTable, level_of
from apps.regions.policy import credit_grade, grade_at_least
from apps.regions.selectors import policy_for


def _write(tmp_path, rows):
    path = tmp_path / "codes.csv"
    path.write_text("code,name,level\n" + "\n".join(",".join(map(str, r)) for r in rows), encoding="utf-8")
    return path


BASE = [("610000000000", "陕西省", 1), ("610900000000", "安康市", 2), ("610928000000", "旬阳县", 3),
        ("610928100000", "城关镇", 4), ("610928100201", "东门村", 5)]


@pytest.mark.django_db
def test_import_code_table_builds_the_tree(tmp_path):
    call_command("import_regions", str(_write(tmp_path, BASE)), year=2020)
    village = Region.objects.get(code="610928100201")
    assert village.level == Level.VILLAGE and village.parent.code == "610928100000"
    assert village.prefix == "610928100201" and village.parent.prefix == "610928100"
    assert [r.name for r in village.ancestors()] == ["陕西省", "安康市", "旬阳县", "城关镇"]


@pytest.mark.django_db
def test_a_newer_year_renames_and_retires_but_keeps_the_old_table(tmp_path):
    call_command("import_regions", str(_write(tmp_path, BASE)), year=2020)
    # 2021: 旬阳县 became 旬阳市 with a new code; the old codes are retired, not deleted.
    new = [("610000000000", "陕西省", 1), ("610900000000", "安康市", 2), ("610981000000", "旬阳市", 3),
           ("610981100000", "城关镇", 4), ("610981100201", "东门社区", 5)]
    call_command("import_regions", str(_write(tmp_path, new)), year=2021)
    old = Region.objects.get(code="610928000000")
    assert not old.active and old.last_year == 2020
    assert Region.objects.get(code="610981000000").active
    assert set(RegionCodeTable.objects.values_list("year", flat=True)) == {2020, 2021}
    assert RegionCodeTable.objects.get(year=2020).entries.filter(code="610928000000").exists()


@pytest.mark.django_db
def test_an_older_year_loaded_after_a_newer_one_changes_nothing_live(tmp_path):
    new = [("610000000000", "陕西省", 1), ("610900000000", "安康市", 2), ("610981000000", "旬阳市", 3)]
    call_command("import_regions", str(_write(tmp_path, new)), year=2021)
    call_command("import_regions", str(_write(tmp_path, BASE)), year=2020)
    old = Region.objects.get(code="610928000000")  # only in 2020's table
    assert not old.active and old.last_year == 2020 and old.first_year == 2020
    current = Region.objects.get(code="610981000000")
    assert current.active and current.name == "旬阳市"
    assert set(Region.objects.filter(active=True).values_list("code", flat=True)) == {c for c, _n, _l in new}


@pytest.mark.django_db
def test_bad_table_changes_nothing(tmp_path):
    bad = BASE + [("61092810020", "短码村", 5), ("610928100299", "错级村", 4)]
    with pytest.raises(CommandError):
        call_command("import_regions", str(_write(tmp_path, bad)), year=2020)
    assert Region.objects.count() == 0 and RegionCodeTable.objects.count() == 0


def test_level_from_code():
    assert level_of("510921100201") == Level.VILLAGE
    assert level_of("510921100000") == Level.TOWNSHIP
    assert level_of("510921000000") == Level.COUNTY
    assert level_of("510900000000") == Level.PREFECTURE
    assert level_of("510000000000") == Level.PROVINCE


@pytest.mark.django_db
def test_policy_is_effective_dated_and_defaults_apply(tree):
    county = tree["a"][Level.COUNTY]
    assert policy_for(county.code, dt.date(2020, 1, 1)).household_cap == Decimal("50000.00")
    assert policy_for(county.code, dt.date(2020, 1, 1)).due_reminder_days == 30
    CountyPolicy.objects.create(county=county, effective_on=dt.date(2020, 3, 1), due_reminder_days=45)
    CountyPolicy.objects.create(county=county, effective_on=dt.date(2021, 1, 1), due_reminder_days=40)
    assert policy_for(county.code, dt.date(2020, 2, 29)).due_reminder_days == 30
    assert policy_for(county.code, dt.date(2020, 3, 1)).due_reminder_days == 45
    assert policy_for("510921100201", dt.date(2020, 12, 31)).due_reminder_days == 45  # any code inside the county
    assert policy_for(county.code, dt.date(2021, 6, 1)).due_reminder_days == 40


@pytest.mark.django_db
def test_policy_defaults_match_the_domain(tree):
    p = policy_for(tree["a"][Level.COUNTY].code, dt.date(2020, 1, 1))
    assert (p.max_term_months, p.borrower_min_age, p.borrower_max_age) == (36, 18, 65)
    assert (p.disbursement_working_days, p.notice_working_days, p.compensation_overdue_days) == (7, 5, 90)
    assert p.withdrawal_alert_amount == Decimal("10000.00") and p.overdue_red_line == Decimal("0.0050")
    assert (p.share_county, p.share_bank, p.recovery_years) == (Decimal("0.8"), Decimal("0.2"), 3)


@pytest.mark.django_db
def test_policy_row_invariants_are_database_constraints(tree):
    with pytest.raises(IntegrityError):
        CountyPolicy.objects.create(county=tree["a"][Level.COUNTY], effective_on=dt.date(2020, 1, 1),
                                    borrower_min_age=70, borrower_max_age=65)


@pytest.mark.parametrize(("score", "grade"), [(100, "AAA"), (80, "AAA"), (79.9, "AA"), (70, "AA"), (69, "A"), (60, "A"), (59.9, ""), (0, "")])
def test_credit_grade_thresholds(score, grade):
    assert credit_grade(score) == grade


def test_grade_order():
    assert grade_at_least("AA", "A") and grade_at_least("A", "A") and not grade_at_least("", "A")


@pytest.mark.django_db
def test_local_risk_fund_and_subsidy_settings_have_their_defaults(tree):
    p = policy_for(tree["a"][Level.COUNTY].code, dt.date(2024, 1, 1))
    assert (p.fund_leverage, p.fund_topup_days, p.npl_stop_ratio) == (10, 30, Decimal("0.0500"))
    assert (p.subsidy_settlement, p.subsidy_on_time_only) == ("quarterly", False)
    assert (p.share_guarantor, p.share_counter_guarantor) == (0, 0)


@pytest.mark.parametrize(("scheme", "shares", "code"), [
    ("county_bank", {"share_county": "0.8", "share_bank": "0.2"}, ""),
    ("county_bank", {"share_county": "0.9", "share_bank": "0.9"}, "policy_shares_not_one"),
    ("county_bank", {"share_county": "0.8", "share_bank": "0.1999"}, "policy_shares_not_one"),
    ("county_bank", {"share_county": "0.5", "share_bank": "0.2", "share_insurer": "0.3"}, "policy_share_outside_scheme"),
    ("insurer_bank_county", {"share_county": "0.15", "share_bank": "0.15", "share_insurer": "0.7"}, ""),
    ("guarantee_chain", {"share_guarantor": "0.4", "share_counter_guarantor": "0.2", "share_county": "0.3",
                         "share_bank": "0.1"}, ""),
    ("guarantee_chain", {"share_county": "1.2", "share_bank": "-0.2"}, "policy_share_out_of_range"),
])
def test_loss_shares_add_up_to_one_among_the_schemes_parties(scheme, shares, code):
    from apps.regions.models import SCHEME_PARTIES, SHARE_FIELDS
    from apps.regions.policy import shares_problem

    values = {f: Decimal(shares.get(f, "0")) for f in SHARE_FIELDS}
    assert shares_problem(scheme, values, SCHEME_PARTIES[scheme]) == code


@pytest.mark.django_db
def test_shares_are_validated_by_the_model_and_the_database(tree):
    from django.core.exceptions import ValidationError

    county = tree["a"][Level.COUNTY]
    bad = CountyPolicy(county=county, effective_on=dt.date(2024, 1, 1), share_county=Decimal("0.9"), share_bank=Decimal("0.9"))
    with pytest.raises(ValidationError) as exc:
        bad.full_clean()
    assert "share_scheme" in exc.value.message_dict
    with pytest.raises(IntegrityError):
        bad.save()


@pytest.mark.django_db
def test_four_party_split_is_stored(tree):
    p = CountyPolicy.objects.create(county=tree["a"][Level.COUNTY], effective_on=dt.date(2024, 1, 1), share_scheme="guarantee_chain",
                                    share_guarantor=Decimal("0.4"), share_counter_guarantor=Decimal("0.2"),
                                    share_county=Decimal("0.3"), share_bank=Decimal("0.1"))
    p.full_clean()


@pytest.mark.django_db
def test_policy_page_shows_percentages_and_yuan(client, tree):
    from tests.factories import UserFactory

    user = UserFactory(role="county_officer", region=tree["a"][Level.COUNTY])
    client.force_login(user)
    page = client.get("/regions/policy/").content.decode()
    assert "0.50%" in page and "80.00%" in page and "50,000.00" in page
    assert "0.0050" not in page and "0.8000" not in page


@pytest.mark.django_db
def test_policies_in_force_agrees_with_policy_for_for_every_county(tree, django_assert_max_num_queries):
    from apps.regions.selectors import policies_in_force

    a, b = tree["a"][Level.COUNTY], tree["b"][Level.COUNTY]
    CountyPolicy.objects.create(county=a, effective_on=dt.date(2020, 1, 1), due_reminder_days=45)
    CountyPolicy.objects.create(county=a, effective_on=dt.date(2021, 1, 1), due_reminder_days=40)
    for day in (dt.date(2019, 12, 31), dt.date(2020, 6, 1), dt.date(2021, 1, 1)):
        with django_assert_max_num_queries(2):
            found = policies_in_force("", day)
        assert set(found) == {a.code, b.code}
        for code, pol in found.items():
            assert pol.due_reminder_days == policy_for(code, day).due_reminder_days
    assert set(policies_in_force(a.code[:6], dt.date(2021, 1, 1))) == {a.code}
