"""The post-loan pages as the village group, the township, the county and the bank use them (in Chinese, the
default language): the field task list, the tablet inspection form with a photo, the rectification steps, withdrawals,
collection notices and log, the daily bulletin and the notifications bell."""
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from apps.accounts.notifications import notify
from apps.accounts.roles import Role
from apps.postloan import jobs, services
from apps.postloan.models import (
    BulletinRow,
    CollectionLog,
    CollectionNotice,
    Finding,
    Inspection,
    InspectionSchedule,
    RectState,
    Withdrawal,
)
from apps.regions.models import Level
from tests.factories import UserFactory, bank_user
from tests.loans.test_loan_account import disbursed

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def loan(chain):
    loan = disbursed(chain, amount="30000", term=36)
    jobs.inspection_scheduling(loan.disbursed_on)
    return loan


@pytest.fixture
def outsider(tree):
    """A village member of another county."""
    return UserFactory(role=Role.VILLAGE_MEMBER, region=tree["b"][Level.VILLAGE])


def jpeg(size=(64, 48), color=(40, 120, 40)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "JPEG", quality=80)
    return buf.getvalue()


def page(client, user, url, status=200):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode() if status == 200 else response


def inspection_data(**extra):
    data = {"done_on": TODAY.isoformat(), "actual_use": "购买肉牛 5 头", "use_matches": "1", "production_status": "存栏 5 头，长势良好",
            "income_effect": "预计年增收 8000 元", "risks": "", "inspectors": "张书记、李会计", "client_id": "tab-0001",
            "latitude": "30.4938123456", "longitude": "105.7124987654", "accuracy_m": "12.345"}
    data.update(extra)
    return data


@pytest.mark.django_db
def test_task_list_shows_every_kind_of_task_with_household_loan_and_deadline(client, chain, loan):
    secretary = chain["secretary"]
    # An inspection with a wrong-use finding on 2024-07-01 → next due 2024-08-01, long overdue by now.
    services.inspection_record(secretary, loan, done_on=dt.date(2024, 7, 1), actual_use="部分购买家电", use_matches=False,
                               production_status="存栏 3 头", inspectors="张书记",
                               findings=[{"category": "wrong_use", "description": "挪用 3000 元购买家电"}])
    CollectionNotice.objects.create(loan=loan, region_code=loan.region_code, kind="due", maturity_on=loan.maturity_on,
                                    issued_on=loan.maturity_on - dt.timedelta(days=30))
    w, _ = services.withdrawal_record(chain["banker"], loan, amount=Decimal("15000"), withdrawn_on=dt.date(2024, 6, 10),
                                      external_id="TXN-1", note="购买种牛")
    body = page(client, secretary, reverse("postloan:tasks"))
    assert 'lang="zh-CN"' in body and "村联查小组成员" in body  # Chinese by default
    name = loan.borrower.name
    assert body.count(name) >= 4  # one line per task
    assert 'data-testid="count-overdue">1<' in body and 'data-testid="count-notices">1<' in body
    assert 'data-testid="count-follow-ups">1<' in body and 'data-testid="count-findings">1<' in body
    assert 'data-overdue="1"' in body and "2024-08-01" in body  # the overdue inspection, highlighted, with its deadline
    assert reverse("postloan:inspect", args=[loan.pk]) in body
    assert reverse("postloan:withdrawal-detail", args=[w.pk]) in body
    assert reverse("postloan:finding-detail", args=[Finding.objects.get().pk]) in body
    assert reverse("postloan:notice-receipt", args=[CollectionNotice.objects.get().pk]) in body
    assert loan.contract_no in body and loan.household.village.name in body
    # The county sees the same loans but has nothing to do on the finding (the village group proposes the plan).
    county = page(client, chain["county_officer"], reverse("postloan:tasks"))
    assert 'data-testid="count-findings">0<' in county and reverse("postloan:inspect", args=[loan.pk]) not in county
    # Another county sees nothing of it.
    other = page(client, UserFactory(role=Role.VILLAGE_MEMBER, region=chain["tree"]["b"][Level.VILLAGE]), reverse("postloan:tasks"))
    assert name not in other and loan.contract_no not in other


@pytest.mark.django_db
def test_inspection_form_with_a_photo_and_the_photo_served_only_inside_the_county(client, chain, loan, outsider):
    secretary = chain["secretary"]
    url = reverse("postloan:inspect", args=[loan.pk])
    form = page(client, secretary, url)
    assert 'accept="image/*"' in form and 'capture="environment"' in form and "multiple" in form
    assert "js/inspection.js" in form and 'name="client_id"' in form
    assert f'value="{secretary.display_name}"' in form  # inspectors prefilled with the user's name
    assert loan.purpose_detail in form  # the declared purpose is shown next to the actual use

    photo = SimpleUploadedFile("现场.jpg", jpeg(), content_type="image/jpeg")
    data = inspection_data(use_matches="0", accuracy_m="0", finding_1_category="non_productive",
                           finding_1_description="部分资金用于购买家电", photos=[photo])
    r = client.post(url, data)
    assert r.status_code == 302, r.content.decode()[:3000]
    inspection = Inspection.objects.get()
    assert r["Location"] == reverse("postloan:inspection-detail", args=[inspection.pk])
    assert inspection.client_id == "tab-0001" and inspection.problem_found and not inspection.use_matches
    assert inspection.latitude == Decimal("30.493812") and inspection.accuracy_m == Decimal("0.0")
    assert inspection.location_suspect  # an accuracy of 0 is flagged
    assert inspection.findings == "部分资金用于购买家电" and Finding.objects.get().category == "non_productive"
    schedule = InspectionSchedule.objects.get(loan=loan)
    assert schedule.problem_open and schedule.last_done_on == TODAY
    stored = inspection.photos.get()
    assert stored.image.read()[:3] == b"\xff\xd8\xff"

    # A double submit (same client id) is the same inspection.
    again = client.post(url, inspection_data(photos=[SimpleUploadedFile("b.jpg", jpeg(), content_type="image/jpeg")]))
    assert again.status_code == 302 and again["Location"] == r["Location"]
    assert Inspection.objects.count() == 1 and inspection.photos.count() == 1

    detail = page(client, chain["county_officer"], r["Location"])
    photo_url = reverse("postloan:photo", args=[stored.pk])
    assert photo_url in detail and "/media/" not in detail
    assert 'data-testid="location-suspect"' in detail and "部分资金用于购买家电" in detail

    client.force_login(chain["county_officer"])
    served = client.get(photo_url)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert b"".join(served.streaming_content)[:3] == b"\xff\xd8\xff"
    for stranger in (outsider, chain["other_banker"]):  # another county; another bank of the same county
        page(client, stranger, photo_url, status=404)
        page(client, stranger, r["Location"], status=404)


@pytest.mark.django_db
def test_inspection_form_errors_roles_and_scope(client, chain, loan, outsider):
    url = reverse("postloan:inspect", args=[loan.pk])
    client.force_login(chain["secretary"])
    r = client.post(url, inspection_data(actual_use="", finding_1_category="wrong_use", client_id="tab-err"))
    assert r.status_code == 200
    body = r.content.decode()
    assert body.count('data-testid="field-error"') >= 2 and not Inspection.objects.exists()
    # A photo that is not an image is refused.
    r = client.post(url, inspection_data(photos=[SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")]))
    assert r.status_code == 200 and not Inspection.objects.exists()
    # A date before the disbursement comes back from the service as a field error.
    r = client.post(url, inspection_data(done_on="2024-01-01", client_id="tab-early"))
    assert r.status_code == 200 and 'data-testid="field-error"' in r.content.decode()
    assert not Inspection.objects.exists()
    # Only the village group inspects; another county's user does not even learn the loan exists.
    page(client, chain["county_officer"], url, status=403)
    page(client, chain["banker"], url, status=403)
    page(client, outsider, url, status=404)
    client.force_login(outsider)
    assert client.post(url, inspection_data()).status_code == 404


@pytest.mark.django_db
def test_rectification_through_the_finding_page(client, chain, loan):
    services.inspection_record(chain["secretary"], loan, done_on=dt.date(2024, 7, 1), actual_use="部分购买家电", use_matches=False,
                               production_status="存栏 3 头", inspectors="张书记",
                               findings=[{"category": "wrong_use", "description": "挪用 3000 元购买家电"}])
    finding = Finding.objects.get()
    url = reverse("postloan:finding-detail", args=[finding.pk])
    step_url = reverse("postloan:finding-step", args=[finding.pk])

    def step(user, action, expect_state, **data):
        client.force_login(user)
        r = client.post(step_url, {"action": action, **data})
        assert r.status_code == 302 and r["Location"] == url
        finding.refresh_from_db()
        assert finding.state == expect_state, (action, finding.state)

    body = page(client, chain["secretary"], url)
    assert 'data-testid="step-propose"' in body and "挪用 3000 元购买家电" in body
    assert 'data-testid="step-propose"' not in page(client, chain["township_leader"], url)
    step(chain["secretary"], "propose", RectState.OPEN, plan="收回资金", deadline=TODAY.isoformat())  # deadline must be after today
    step(chain["secretary"], "propose", RectState.PROPOSED, plan="收回挪用资金，改购饲料",
         deadline=(TODAY + dt.timedelta(days=30)).isoformat())
    step(chain["banker"], "township_approve", RectState.PROPOSED)  # not the bank's step: refused, nothing changes
    assert 'data-testid="step-township_approve"' in page(client, chain["township_leader"], url)
    step(chain["township_leader"], "township_approve", RectState.TOWNSHIP_APPROVED, comment="同意整改方案")
    step(chain["county_officer"], "county_agree", RectState.TOWNSHIP_APPROVED)
    assert 'data-testid="step-bank_agree"' in page(client, chain["banker"], url)
    page(client, chain["other_banker"], url, status=404)
    step(chain["banker"], "bank_agree", RectState.AGREED)
    step(chain["secretary"], "rectify", RectState.RECTIFIED, result="已收回 3000 元并购买饲料")
    step(chain["township_officer"], "verify", RectState.VERIFIED)
    timeline = page(client, chain["county_officer"], url)
    for user in (chain["secretary"], chain["township_leader"], chain["county_officer"], chain["banker"], chain["township_officer"]):
        assert user.display_name in timeline
    assert "已收回 3000 元并购买饲料" in timeline and "同意整改方案" in timeline
    assert 'data-testid="step-' not in timeline  # nothing left to do


@pytest.mark.django_db
def test_withdrawal_entry_follow_up_and_list(client, chain, loan, outsider):
    new_url = reverse("postloan:withdrawal-new", args=[loan.pk])
    body = page(client, chain["banker"], new_url)
    assert 'inputmode="decimal"' in body and 'name="external_id"' in body
    data = {"amount": "15000", "withdrawn_on": "2024-06-10", "external_id": "TXN-WEB-1", "payee": "某养殖场", "note": "购买种牛"}
    r = client.post(new_url, data)
    assert r.status_code == 302
    w = Withdrawal.objects.get()
    assert r["Location"] == reverse("postloan:withdrawal-detail", args=[w.pk])
    assert w.needs_follow_up and w.follow_up == "pending" and w.recorded_by == chain["banker"]
    assert chain["secretary"].notifications.filter(dedupe_key=f"withdrawal:{w.pk}").exists()
    assert client.post(new_url, data)["Location"] == r["Location"] and Withdrawal.objects.count() == 1  # same reference, same record
    r = client.post(new_url, {**data, "external_id": "TXN-WEB-0", "withdrawn_on": "2024-01-01"})
    assert r.status_code == 200 and 'data-testid="field-error"' in r.content.decode()
    # Only the loan's bank enters withdrawals; another bank does not see the loan at all.
    page(client, chain["secretary"], new_url, status=403)
    page(client, chain["other_banker"], new_url, status=404)
    page(client, outsider, new_url, status=404)

    listing = page(client, chain["secretary"], reverse("postloan:withdrawals") + "?follow_up=pending&month=2024-06")
    assert reverse("postloan:withdrawal-detail", args=[w.pk]) in listing
    assert reverse("postloan:withdrawal-detail", args=[w.pk]) not in page(client, chain["secretary"],
                                                                          reverse("postloan:withdrawals") + "?month=2024-07")
    detail_url = reverse("postloan:withdrawal-detail", args=[w.pk])
    assert 'data-testid="follow-up-form"' in page(client, chain["secretary"], detail_url)
    assert 'data-testid="follow-up-form"' not in page(client, chain["county_officer"], detail_url)
    client.force_login(chain["county_officer"])
    assert client.post(detail_url, {"use_matches": "1", "result": "x"}).status_code == 403
    client.force_login(chain["secretary"])
    r = client.post(detail_url, {"use_matches": "1", "result": "已入户核实，购买种牛 1 头"})
    assert r.status_code == 302
    w.refresh_from_db()
    assert w.follow_up == "done" and w.use_matches and w.followed_up_by == chain["secretary"]
    assert "已入户核实" in page(client, chain["county_officer"], detail_url)
    page(client, outsider, detail_url, status=404)
    page(client, chain["other_banker"], detail_url, status=404)


@pytest.mark.django_db
def test_notice_receipt_and_collection_log(client, chain, loan, outsider):
    notice = CollectionNotice.objects.create(loan=loan, region_code=loan.region_code, kind="overdue", maturity_on=dt.date(2024, 6, 30),
                                             issued_on=dt.date(2024, 7, 1))
    listing = page(client, chain["secretary"], reverse("postloan:notices") + "?unsigned=1&kind=overdue")
    receipt_url = reverse("postloan:notice-receipt", args=[notice.pk])
    assert receipt_url in listing and loan.borrower.name in listing
    assert receipt_url not in page(client, chain["secretary"], reverse("postloan:notices") + "?kind=due")
    form = page(client, chain["secretary"], receipt_url)
    assert 'data-testid="receipt-form"' in form and f'value="{loan.borrower.name}"' in form
    client.force_login(chain["secretary"])
    r = client.post(receipt_url, {"signer": loan.borrower.name, "signed_on": "2024-06-01"})  # before the notice was issued
    assert r.status_code == 200 and 'data-testid="field-error"' in r.content.decode()
    r = client.post(receipt_url, {"signer": loan.borrower.name, "signed_on": "2024-07-02"})
    assert r.status_code == 302
    notice.refresh_from_db()
    assert notice.receipt_signed_on == dt.date(2024, 7, 2) and notice.receipt_recorded_by == chain["secretary"]
    assert receipt_url not in page(client, chain["secretary"], reverse("postloan:notices") + "?unsigned=1")
    page(client, outsider, receipt_url, status=404)

    log_url = reverse("postloan:collection-log", args=[loan.pk])
    assert 'data-testid="collection-form"' in page(client, chain["banker"], log_url)
    client.force_login(chain["banker"])
    r = client.post(log_url, {"kind": "plan", "happened_on": "2024-07-03", "result": "约定分两期还清", "promise_to_pay_on": "2024-08-15",
                              "promised_amount": "15000"})
    assert r.status_code == 302
    entry = CollectionLog.objects.get()
    assert entry.actor == chain["banker"] and entry.promised_amount == Decimal("15000")
    body = page(client, chain["county_officer"], log_url)
    assert "约定分两期还清" in body and "2024-08-15" in body
    client.force_login(chain["township_officer"])
    assert client.post(log_url, {"kind": "visit", "happened_on": "2024-07-03", "result": "x"}).status_code == 403
    page(client, outsider, log_url, status=404)
    page(client, chain["other_banker"], log_url, status=404)


@pytest.mark.django_db
def test_bulletin_for_county_bank_and_supervisor(client, chain, loan, tree):
    prefix = reverse("postloan:bulletin")
    assert 'data-testid="bulletin-empty"' in page(client, chain["county_officer"], prefix)
    jobs.bulletin(dt.date(2024, 7, 1))
    jobs.bulletin(dt.date(2024, 7, 2))
    county = tree["a"][Level.COUNTY]
    # A second bank's row, over the red line, in the same county.
    BulletinRow.objects.create(day=dt.date(2024, 7, 2), county_code=county.code, group="bank", key="999", label="他行农商行",
                               region_code=county.code, loans=3, balance=Decimal("100000"), overdue_count=1,
                               overdue_amount=Decimal("2000"), overdue_rate=Decimal("2.00"), red_line=Decimal("0.50"))
    body = page(client, chain["county_officer"], prefix)
    assert "2024-07-02" in body and 'data-testid="bulletin-county"' in body and 'data-testid="bulletin-townships"' in body
    assert chain["bank"].name in body and "他行农商行" in body
    assert "30,000.00" in body and "3.00" in body  # balance in yuan and in 万元
    assert 'data-over-red-line="1"' in body and 'id="bulletin-chart"' in body
    chart = re.search(r'<script id="bulletin-chart" type="application/json">(.*?)</script>', body).group(1)
    assert '"2024-07-01"' in chart and '"2024-07-02"' in chart
    # Any past day can be opened; a day without a bulletin says so.
    assert "2024-07-01" in page(client, chain["county_officer"], prefix + "?day=2024-07-01")
    assert 'data-testid="bulletin-no-day"' in page(client, chain["county_officer"], prefix + "?day=2024-06-01")
    # The bank sees only its own row.
    bank = page(client, chain["banker"], prefix)
    assert chain["bank"].name in bank and "他行农商行" not in bank and 'data-testid="bulletin-county"' not in bank
    # A supervisor above the county sees one row per county.
    supervisor = UserFactory(role=Role.SUPERVISOR, region=tree["a"][Level.PROVINCE])
    sup = page(client, supervisor, prefix)
    assert 'data-testid="bulletin-counties"' in sup and county.name in sup and "他行农商行" not in sup
    drill = page(client, supervisor, prefix + f"?county={county.code[:6]}")
    assert 'data-testid="bulletin-townships"' in drill
    # Another county has no bulletin of ours.
    other = page(client, UserFactory(role=Role.COUNTY_OFFICER, region=tree["b"][Level.COUNTY]), prefix)
    assert 'data-testid="bulletin-empty"' in other and county.name not in other


@pytest.mark.django_db
def test_notifications_list_count_and_mark_read(client, chain, loan):
    secretary = chain["secretary"]
    w, _ = services.withdrawal_record(chain["banker"], loan, amount=Decimal("15000"), withdrawn_on=dt.date(2024, 6, 10),
                                      external_id="TXN-N")
    notify(secretary, key="misc", title="测试通知")
    count_url = reverse("postloan:notifications-count")
    fragment = page(client, secretary, count_url)
    assert 'data-unread="2"' in fragment and 'hx-get="' + count_url in fragment and 'hx-trigger="every 60s"' in fragment
    body = page(client, secretary, reverse("postloan:notifications"))
    assert "测试通知" in body and "15000" in body
    note = secretary.notifications.get(dedupe_key=f"withdrawal:{w.pk}")
    r = client.post(reverse("postloan:notifications"), {"id": note.pk})
    assert r.status_code == 302 and r["Location"] == reverse("postloan:withdrawal-detail", args=[w.pk])
    assert 'data-unread="1"' in page(client, secretary, count_url)
    client.post(reverse("postloan:notifications"))
    assert 'data-unread="0"' in page(client, secretary, count_url)
    # Someone else's notification cannot be opened.
    client.force_login(chain["county_officer"])
    assert client.post(reverse("postloan:notifications"), {"id": note.pk}).status_code == 404
    client.logout()
    assert client.get(count_url).status_code == 204


@pytest.mark.django_db
def test_other_county_and_other_bank_get_404_on_every_object_page(client, chain, loan, tree):
    services.inspection_record(chain["secretary"], loan, done_on=dt.date(2024, 7, 1), actual_use="购牛", use_matches=False,
                               production_status="存栏", inspectors="张书记", findings=[{"category": "wrong_use", "description": "挪用"}],
                               photos=[SimpleUploadedFile("a.jpg", jpeg(), content_type="image/jpeg")])
    inspection, finding = Inspection.objects.get(), Finding.objects.get()
    w, _ = services.withdrawal_record(chain["banker"], loan, amount=Decimal("15000"), withdrawn_on=dt.date(2024, 6, 10), external_id="T")
    notice = CollectionNotice.objects.create(loan=loan, region_code=loan.region_code, kind="due", maturity_on=loan.maturity_on,
                                             issued_on=dt.date(2024, 7, 1))
    urls = [reverse("postloan:inspect", args=[loan.pk]), reverse("postloan:inspection-detail", args=[inspection.pk]),
            reverse("postloan:photo", args=[inspection.photos.get().pk]), reverse("postloan:finding-detail", args=[finding.pk]),
            reverse("postloan:finding-step", args=[finding.pk]), reverse("postloan:withdrawal-detail", args=[w.pk]),
            reverse("postloan:withdrawal-new", args=[loan.pk]), reverse("postloan:notice-receipt", args=[notice.pk]),
            reverse("postloan:collection-log", args=[loan.pk])]
    strangers = [UserFactory(role=role, region=tree["b"][Level.COUNTY if role != Role.VILLAGE_MEMBER else Level.VILLAGE])
                 for role in (Role.VILLAGE_MEMBER, Role.COUNTY_OFFICER)] + [bank_user(tree["b"][Level.COUNTY]), chain["other_banker"]]
    for user in strangers:
        client.force_login(user)
        for url in urls:
            assert client.post(url, {"action": "propose", "plan": "x"}).status_code in (404, 405), (user.role, url)
            assert client.get(url).status_code in (404, 405), (user.role, url)
    assert Finding.objects.get().state == RectState.OPEN
