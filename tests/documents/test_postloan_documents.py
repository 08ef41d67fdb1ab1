"""Post-loan documents read back as a reader would: the 贷后检查表 with its photos, the 到期/逾期催收通知书 with the
回执, and the 一日一通报 — fonts embedded, Chinese text extractable, page 1 as a PNG in test-artifacts/ — and their
downloads: 200 for the owner, 404 for another county or another bank."""
import datetime as dt
import io
import shutil
import subprocess
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image, ImageDraw

from apps.accounts.roles import Role
from apps.core.money import amount_in_words
from apps.households.models import Household, Member
from apps.loans import selectors as loan_selectors
from apps.loans import services as loan_services
from apps.postloan import documents, jobs, services
from apps.postloan.models import BulletinRow, CollectionNotice, FindingStep, InspectionPhoto
from apps.regions.models import Level
from tests.factories import UserFactory, region_tree
from tests.loans.test_loan_account import disbursed

from .pdf_tools import ARTIFACTS, TOOLS, assert_cjk_fonts_embedded, needs_poppler, page_count, page_png, save, squeeze, text

BORROWER = "王秀英"
SECRETARY_PHONE = "13890001234"
INSPECTED = dt.date(2024, 7, 10)  # the first inspection was due 2024-07-03
MATURITY = dt.date(2025, 6, 3)  # 12 months from 2024-06-03


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def photo_bytes(size=(640, 480), fmt="JPEG", seed=0) -> bytes:
    """A small scene that looks like something on the page: sky, a field, a shed."""
    image = Image.new("RGB", size, (150, 200, 235))
    draw = ImageDraw.Draw(image)
    w, h = size
    draw.rectangle([0, h * 3 // 5, w, h], fill=(90, 150 + seed * 10 % 60, 60))
    draw.rectangle([w // 5, h // 3, w // 2, h * 3 // 5], fill=(160, 90, 50))
    draw.polygon([(w // 5 - 10, h // 3), (w * 7 // 20, h // 6), (w // 2 + 10, h // 3)], fill=(120, 40, 30))
    draw.ellipse([w * 3 // 4, h // 12, w * 3 // 4 + 60, h // 12 + 60], fill=(250, 220, 80))
    buf = io.BytesIO()
    image.save(buf, fmt, quality=85)
    return buf.getvalue()


def images_in(path) -> int:
    out = subprocess.run([shutil.which("pdfimages"), "-list", str(path)], check=True, capture_output=True, text=True).stdout
    return len([line for line in out.splitlines()[2:] if line.strip()])


def page_n_png(path, page: int, name: str):
    ARTIFACTS.mkdir(exist_ok=True)
    prefix = ARTIFACTS / name
    subprocess.run([TOOLS["pdftoppm"], "-r", "60", "-png", "-singlefile", "-f", str(page), "-l", str(page), str(path), str(prefix)],
                   check=True, capture_output=True)
    png = prefix.with_suffix(".png")
    assert png.stat().st_size > 5_000  # a photo page is mostly white
    return png


@pytest.fixture
def loan(people):
    """30,000 yuan for 12 months to 王秀英 (the head), disbursed 2024-06-03, on the inspection cadence."""
    household = people["household"]
    Household.objects.filter(pk=household.pk).update(head_name=BORROWER)
    Member.objects.filter(household=household, relation="head").update(name=BORROWER)
    people["secretary"].phone = SECRETARY_PHONE
    people["secretary"].save()
    people["household"].refresh_from_db()
    loan = disbursed(people, amount="30000", term=12)
    jobs.inspection_scheduling(loan.disbursed_on)
    return loan


def pay_interest_until(people, loan, last: dt.date):
    """The bank posts each quarter's interest on its settlement day up to `last`."""
    for row in loan_selectors.schedule(loan):
        if row.due_on <= last:
            loan_services.repayment_post(people["banker"], loan, paid_on=row.due_on, interest=row.interest)
    loan.refresh_from_db()


@pytest.fixture
def inspection(people, loan):
    """An inspection a week late with a wrong-use finding whose plan the township approved, a zero-accuracy
    location and one photo."""
    c = people
    inspection, _ = services.inspection_record(
        c["secretary"], loan, done_on=INSPECTED, actual_use="购买西门塔尔肉牛3头、饲料2吨", use_matches=False,
        production_status="存栏肉牛3头，长势良好，牛棚已扩建", income_effect="预计年增收8000元", risks="饲料价格上涨",
        findings=[{"category": "wrong_use", "description": "部分资金（3000元）用于购买家电"}], inspectors="李明华、刘会计",
        latitude=Decimal("30.512345"), longitude=Decimal("105.612345"), accuracy_m=Decimal("0"),
        photos=[SimpleUploadedFile("牛棚.jpg", photo_bytes(), content_type="image/jpeg")])
    finding = inspection.problems.get()
    services.finding_step(c["secretary"], finding, "propose", plan="收回挪用资金3000元，用于购买饲料", deadline=dt.date(2024, 8, 31),
                          today=dt.date(2024, 7, 12))
    services.finding_step(c["township_leader"], finding, "township_approve", today=dt.date(2024, 7, 15))
    # Steps are stamped when written: move them to the days they stand for.
    for action, day in {"found": INSPECTED, "propose": dt.date(2024, 7, 12), "township_approve": dt.date(2024, 7, 15)}.items():
        FindingStep.objects.filter(finding=finding, action=action).update(at=timezone.make_aware(dt.datetime.combine(day, dt.time(10, 30))))
    return inspection


def _inspection(inspection):
    from apps.postloan.models import Inspection

    return documents.inspection_queryset(Inspection.objects.all()).get(pk=inspection.pk)


# --- 贷后检查表 ---------------------------------------------------------------------------------------------------

@needs_poppler
@pytest.mark.django_db
def test_inspection_form_reads_back_with_its_photo(inspection, people, tmp_path):
    path = save(documents.inspection_pdf(_inspection(inspection), today=dt.date(2024, 7, 16)), tmp_path, "inspection")
    assert_cjk_fonts_embedded(path)
    words = squeeze(text(path))
    for expected in [
        "扶贫小额信贷贷后检查表", "第1次贷后检查", BORROWER, "所在村蓬溪县赤城镇新桥村", "PX-1", "PX-1-J", "30,000.00元", "人民币叁万元整",
        "放款日期2024年6月3日", "到期日期2025年6月3日", "养殖业：养牛", "应检日期2024年7月3日", "2024年7月10日", "超期7天",
        "购买西门塔尔肉牛3头、饲料2吨", "■不一致", "存栏肉牛3头，长势良好，牛棚已扩建", "预计年增收8000元", "饲料价格上涨",
        "【贷款使用不精准】部分资金（3000元）用于购买家电", "北纬30.512345°，东经105.612345°（定位精度0.0米）", "位置精度为0，疑似虚拟定位",
        "检查人李明华、刘会计", "整改方案收回挪用资金3000元，用于购买饲料", "整改期限2024年8月31日", "2024年7月12日提出整改方案", "2024年7月15日乡镇审批同意",
        people["township_leader"].real_name, "检查人签字", "农户签字", "附：现场照片", "照片1", "第1页共2页", "生成日期：2024年7月16日",
    ]:
        assert expected in words, f"{expected!r} not in the PDF text"
    assert "扶贫小额信贷贷后检查表" in text(path)  # the title unbroken
    assert page_count(path) == 2  # the form, then the photo page
    assert images_in(path) == 1
    page_png(path, "document-inspection")
    page_n_png(path, 2, "document-inspection-photos")


@needs_poppler
@pytest.mark.django_db
def test_photos_four_to_a_page_and_missing_files_are_skipped(inspection, people, tmp_path):
    for n in range(4):
        inspection.photos.create(image=SimpleUploadedFile(f"现场{n}.png", photo_bytes((480, 640), "PNG", seed=n)))
    InspectionPhoto.objects.create(inspection=inspection, image="inspections/2024/07/gone.jpg")  # the file is not there
    inspection.photos.create(image=SimpleUploadedFile("notes.jpg", b"not an image at all"))
    ctx = documents.inspection_context(_inspection(inspection))
    assert [len(p.photos) for p in ctx["photo_pages"]] == [4, 1] and ctx["photos_missing"] == 2
    path = save(documents.inspection_pdf(_inspection(inspection)), tmp_path, "inspection-photos")
    words = squeeze(text(path))
    assert "附：现场照片（1/2）" in words and "附：现场照片（2/2）" in words and "照片5" in words and "照片6" not in words
    assert "另有2张照片文件缺失或无法读取，未能附上" in words
    assert images_in(path) == 5
    assert page_count(path) == 3


@needs_poppler
@pytest.mark.django_db
def test_an_inspection_without_problems_or_location(people, loan, tmp_path):
    inspection, _ = services.inspection_record(people["secretary"], loan, done_on=dt.date(2024, 7, 1), actual_use="购买肉牛3头",
                                               use_matches=True, production_status="正常", inspectors="李明华")
    path = save(documents.inspection_pdf(_inspection(inspection)), tmp_path, "inspection-clean")
    words = squeeze(text(path))
    assert "■一致" in words and "按期" in words and "未发现问题" in words and "未采集定位" in words
    assert "疑似虚拟定位" not in words and "整改情况" not in words and "附：现场照片" not in words
    assert page_count(path) == 1
    assert documents.inspection_filename(inspection) == f"扶贫小额信贷贷后检查表-{BORROWER}-2024-07-01.pdf"


# --- 到期 / 逾期催收通知书 ------------------------------------------------------------------------------------------

@pytest.fixture
def due_notice(people, loan):
    pay_interest_until(people, loan, dt.date(2025, 3, 20))
    jobs.collection_notices(MATURITY - dt.timedelta(days=30))
    return documents.notice_queryset(CollectionNotice.objects.all()).get(kind="due")


@pytest.fixture
def overdue_notice(people, loan):
    pay_interest_until(people, loan, dt.date(2025, 3, 20))
    jobs.overdue_marking(MATURITY + dt.timedelta(days=1))
    jobs.collection_notices(MATURITY + dt.timedelta(days=1))
    return documents.notice_queryset(CollectionNotice.objects.all()).get(kind="overdue")


@needs_poppler
@pytest.mark.django_db
def test_due_notice_reads_back(due_notice, people, tmp_path):
    loan = due_notice.loan
    last_interest = loan_selectors.schedule(loan)[-1].interest  # 2025-03-20 → 2025-06-03 on 30,000 at 3.45%
    assert last_interest == Decimal("215.63")
    due = documents.amount_due(due_notice, dt.date(2025, 5, 6))
    assert (due.balance, due.interest, due.total) == (Decimal("30000.00"), Decimal("215.63"), Decimal("30215.63"))
    assert amount_in_words(due.total) == "叁万零贰佰壹拾伍元陆角叁分"
    path = save(documents.notice_pdf(due_notice, today=dt.date(2025, 5, 6)), tmp_path, "due-notice")
    assert_cjk_fonts_embedded(path)
    words = squeeze(text(path))
    for expected in [
        "到期催收通知书", f"{BORROWER}（身份证号：{loan.borrower.id_number}）", "合同编号：PX-1", "借据编号：PX-1-J",
        "借款本金人民币30,000.00元（大写：叁万元整）", "该笔贷款将于2025年6月3日到期", "截至2025年5月6日", "利息215.63元",
        "合计应还人民币30,215.63元（大写：叁万零贰佰壹拾伍元陆角叁分）", "协商制定还款计划", "蓬溪农村商业银行",
        f"{people['secretary'].real_name}（第一书记），电话{SECRETARY_PHONE}", "特此通知", "2025年5月4日",
        "回执", f"本人{BORROWER}（身份证号：{loan.borrower.id_number}）已收到贵方于2025年5月4日送达的《到期催收通知书》", "签收人", "签收日期", "第1页共1页",
    ]:
        assert expected in words, f"{expected!r} not in the PDF text"
    assert "逾期催收通知书" not in words and "罚息另计" not in words
    page_png(path, "document-due-notice")


@needs_poppler
@pytest.mark.django_db
def test_overdue_notice_reads_back_with_days_and_penalty(overdue_notice, tmp_path):
    loan = overdue_notice.loan
    assert loan.overdue_since == dt.date(2025, 6, 4) and overdue_notice.issued_on == dt.date(2025, 6, 4)
    path = save(documents.notice_pdf(overdue_notice, today=dt.date(2025, 6, 20)), tmp_path, "overdue-notice")
    assert_cjk_fonts_embedded(path)
    words = squeeze(text(path))
    for expected in [
        "逾期催收通知书", BORROWER, loan.borrower.id_number, "自2025年6月4日起已形成逾期", "截至2025年6月20日", "已逾期17天",
        "尚欠贷款本金人民币30,000.00元、利息215.63元，合计人民币30,215.63元（大写：叁万零贰佰壹拾伍元陆角叁分），罚息另计",
        "合同执行利率上浮50%，即年利率5.175%", "不再享受财政贴息", "协商制定还款计划", "回执", "《逾期催收通知书》", "第1页共1页",
    ]:
        assert expected in words, f"{expected!r} not in the PDF text"
    assert page_count(path) == 1
    page_png(path, "document-overdue-notice")


@needs_poppler
@pytest.mark.django_db
def test_a_signed_receipt_is_printed_and_fixes_the_figures(overdue_notice, people, tmp_path):
    services.notice_receipt(people["secretary"], overdue_notice, signer=BORROWER, signed_on=dt.date(2025, 6, 10))
    notice = documents.notice_queryset(CollectionNotice.objects.all()).get(pk=overdue_notice.pk)
    path = save(documents.notice_pdf(notice, today=dt.date(2025, 7, 1)), tmp_path, "signed-notice")
    words = squeeze(text(path))
    assert f"签收人（签字或按手印）：{BORROWER}" in words and "签收日期：2025年6月10日" in words
    assert f"登记人：{people['secretary'].real_name}" in words
    assert "截至2025年6月10日" in words and "已逾期7天" in words  # the figures of the day it was signed
    page_png(path, "document-overdue-notice-signed")


@pytest.mark.django_db
def test_notice_filename(due_notice):
    assert documents.notice_filename(due_notice) == f"到期催收通知书-{BORROWER}-2025-05-04.pdf"
    assert documents.safe_filename("a/b c:d") == "a_b_c_d"


# --- 一日一通报 ----------------------------------------------------------------------------------------------------

BULLETIN_DAY = dt.date(2025, 6, 10)


@pytest.fixture
def bulletin(people, loan):
    """The 30,000 loan is a week overdue on 2025-06-10: 100% overdue in its township, county and bank."""
    jobs.overdue_marking(MATURITY + dt.timedelta(days=1))
    jobs.bulletin(BULLETIN_DAY)
    return BulletinRow.objects.filter(day=BULLETIN_DAY)


def _rows(user, county=""):
    return list(documents.bulletin_rows(user, county=county).filter(day=BULLETIN_DAY))


@needs_poppler
@pytest.mark.django_db
def test_county_bulletin_reads_back(bulletin, people, tmp_path):
    user = people["county_officer"]
    rows = _rows(user)
    assert {r.group for r in rows} == {"county", "township", "bank"}
    path = save(documents.bulletin_pdf(rows, BULLETIN_DAY, scope="蓬溪县", today=BULLETIN_DAY), tmp_path, "bulletin")
    assert_cjk_fonts_embedded(path)
    words = squeeze(text(path))
    for expected in ["扶贫小额信贷一日一通报", "扶贫小额信贷一日一通报蓬溪县", "2025年6月10日", "逾期率红线：0.50%", "分乡镇情况", "分承贷银行情况", "赤城镇",
                     "蓬溪农村商业银行", "蓬溪县合计", "30,000.00", "3.00", "100.00▲", "超过逾期率红线（0.50%）：蓬溪县、赤城镇、蓬溪农村商业银行",
                     "30日内到期", "逾期率＝逾期贷款余额÷贷款余额×100%"]:
        assert expected in words, f"{expected!r} not in the PDF text"
    page_png(path, "document-bulletin")


@pytest.mark.django_db
def test_a_bank_sees_only_its_own_rows(bulletin, people):
    rows = _rows(people["banker"])
    assert [(r.group, r.key) for r in rows] == [("bank", str(people["bank"].pk))]
    ctx = documents.bulletin_context(rows, BULLETIN_DAY)
    assert ctx["sections"][0].townships == [] and ctx["sections"][0].total is None
    assert _rows(people["other_banker"]) == []


@pytest.fixture
def two_counties(tree):
    """蓬溪 (the 003 figures: balance 5,604万, overdue 8.7万 = 0.16%) and 大英 over its red line, both in 遂宁市;
    旬阳 in Shaanxi is outside a 遂宁 supervisor's scope."""
    dy = region_tree(county="23", township="100", village="201", names=("四川省", "遂宁市", "大英县", "蓬莱镇", "桂花村"))
    a, b = tree["a"], tree["b"]
    data = [
        (a, "56040000.00", "87000.00", "0.16", 1820), (dy, "12000000.00", "96000.00", "0.80", 410),
        (b, "8000000.00", "0.00", "0.00", 300),
    ]
    for regions, balance, overdue, rate, loans in data:
        county, town = regions[Level.COUNTY], regions[Level.TOWNSHIP]
        common = {"day": BULLETIN_DAY, "county_code": county.code, "loans": loans, "balance": Decimal(balance),
                  "overdue_count": 3, "overdue_amount": Decimal(overdue), "overdue_rate": Decimal(rate), "red_line": Decimal("0.50"),
                  "new_overdue": 1, "maturing_soon": 25, "inspections_overdue": 4, "late_disbursements": 0}
        BulletinRow.objects.create(group="county", key=county.code, label=county.name, region_code=county.code, **common)
        BulletinRow.objects.create(group="township", key=town.code, label=town.name, region_code=town.code, **common)
        BulletinRow.objects.create(group="bank", key="1", label=f"{county.name}农商行", region_code=county.code, **common)
    return dy


@needs_poppler
@pytest.mark.django_db
def test_above_the_county_the_counties_side_by_side(two_counties, tree, tmp_path):
    supervisor = UserFactory(role=Role.SUPERVISOR, region=tree["a"][Level.PREFECTURE])
    rows = _rows(supervisor)
    assert {r.county_code[:6] for r in rows} == {"510921", "510923"}
    ctx = documents.bulletin_context(rows, BULLETIN_DAY, scope=documents.bulletin_scope(supervisor))
    assert ctx["several"] and [c.label for c in ctx["counties"]] == ["蓬溪县", "大英县"]
    assert [c.over for c in ctx["counties"]] == [False, True]
    total = ctx["counties_total"]
    assert (total.loans, total.balance, total.balance_wan, total.overdue_amount, total.overdue_rate, total.red_line, total.over) == (
        2230, "68,040,000.00", "6,804.00", "183,000.00", "0.27", "0.50", False)
    path = save(documents.bulletin_pdf(rows, BULLETIN_DAY, scope="遂宁市", today=BULLETIN_DAY), tmp_path, "bulletin-prefecture")
    assert_cjk_fonts_embedded(path)
    words = squeeze(text(path))
    for expected in ["扶贫小额信贷一日一通报", "遂宁市2025年6月10日", "一、各县贷款质量对比", "二、蓬溪县", "三、大英县",
                     "56,040,000.00", "5,604.00", "87,000.00", "8.70", "0.16", "0.80▲",
                     "68,040,000.00", "6,804.00", "183,000.00", "18.30", "0.27", "超过逾期率红线（0.50%）：大英县、蓬莱镇、大英县农商行"]:
        assert expected in words, f"{expected!r} not in the PDF text"
    assert "旬阳县" not in words and "0.16▲" not in words
    page_png(path, "document-bulletin-prefecture")
    assert documents.bulletin_filename(BULLETIN_DAY, "遂宁市") == "扶贫小额信贷一日一通报-遂宁市-2025-06-10.pdf"


# --- downloads -----------------------------------------------------------------------------------------------------

def _assert_pdf(response, title):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename=") and f"filename*=UTF-8''{quote(title)}" in disposition
    assert response["Cache-Control"] == "private, no-store"


def _get(client, user, url):
    client.force_login(user)
    return client.get(url)


@pytest.mark.django_db
@pytest.mark.urls("tests.documents.urls_postloan")
def test_inspection_download(client, inspection, people, other_county_officer):
    url = reverse("docs_postloan:inspection-pdf", kwargs={"pk": inspection.pk})
    _assert_pdf(_get(client, people["county_officer"], url), f"扶贫小额信贷贷后检查表-{BORROWER}-2024-07-10.pdf")
    for owner in ("secretary", "township_officer", "banker"):
        assert _get(client, people[owner], url).status_code == 200
    assert _get(client, other_county_officer, url).status_code == 404
    assert _get(client, people["other_banker"], url).status_code == 404
    assert _get(client, people["county_officer"], reverse("docs_postloan:inspection-pdf", kwargs={"pk": inspection.pk + 999})).status_code == 404


@pytest.mark.django_db
@pytest.mark.urls("tests.documents.urls_postloan")
def test_notice_download(client, overdue_notice, people, other_county_officer):
    url = reverse("docs_postloan:notice-pdf", kwargs={"pk": overdue_notice.pk})
    _assert_pdf(_get(client, people["secretary"], url), f"逾期催收通知书-{BORROWER}-2025-06-04.pdf")
    assert _get(client, people["banker"], url).status_code == 200
    assert _get(client, other_county_officer, url).status_code == 404
    assert _get(client, people["other_banker"], url).status_code == 404


@pytest.mark.django_db
@pytest.mark.urls("tests.documents.urls_postloan")
def test_bulletin_download(client, bulletin, people, other_county_officer, tree):
    url = reverse("docs_postloan:bulletin-pdf")
    county = tree["a"][Level.COUNTY].code
    _assert_pdf(_get(client, people["county_officer"], f"{url}?day=2025-06-10"), "扶贫小额信贷一日一通报-蓬溪县-2025-06-10.pdf")
    _assert_pdf(_get(client, people["county_officer"], f"{url}?day=2025-06-10&county={county}"), "扶贫小额信贷一日一通报-蓬溪县-2025-06-10.pdf")
    assert _get(client, people["county_officer"], url).status_code == 200  # the latest day
    assert _get(client, people["banker"], f"{url}?day=2025-06-10").status_code == 200
    assert _get(client, people["other_banker"], f"{url}?day=2025-06-10").status_code == 404
    assert _get(client, other_county_officer, f"{url}?day=2025-06-10").status_code == 404
    assert _get(client, other_county_officer, f"{url}?day=2025-06-10&county={county}").status_code == 404
    assert _get(client, people["county_officer"], f"{url}?day=2025-06-11").status_code == 404  # no bulletin that day
    assert _get(client, people["county_officer"], f"{url}?day=10.06.2025").status_code == 400
    bad = _get(client, people["county_officer"], f"{url}?county=5109")
    assert bad.status_code == 400 and "请求无效" in bad.content.decode()  # the site's 400 page, in Chinese
    # The bulletin page's PDF button passes the page's own parameters: the county as 6 digits.
    _assert_pdf(_get(client, people["county_officer"], f"{url}?day=2025-06-10&county={county[:6]}"),
                "扶贫小额信贷一日一通报-蓬溪县-2025-06-10.pdf")
    assert _get(client, people["county_officer"], f"{url}?day=２０２５-06-10").status_code == 400


@pytest.mark.django_db
@pytest.mark.urls("tests.documents.urls_postloan")
def test_downloads_need_a_login_and_only_get(client, inspection, people):
    url = reverse("docs_postloan:inspection-pdf", kwargs={"pk": inspection.pk})
    response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]
    client.force_login(people["county_officer"])
    assert client.post(url).status_code == 405
    assert client.post(reverse("docs_postloan:bulletin-pdf")).status_code == 405


@pytest.mark.django_db
def test_project_names_once_included(client, inspection, people):
    """postloan:inspection-pdf etc. once apps/postloan/web/urls.py appends these patterns."""
    from django.test.utils import override_settings
    from django.urls import NoReverseMatch

    with override_settings(ROOT_URLCONF="microcredit.urls"):
        try:
            url = reverse("postloan:inspection-pdf", kwargs={"pk": inspection.pk})
        except NoReverseMatch:
            pytest.skip("apps.postloan.web.documents is not in apps/postloan/web/urls.py yet")
        assert url == f"/postloan/inspections/{inspection.pk}/inspection.pdf"
        assert reverse("postloan:notice-pdf", kwargs={"pk": 1}) == "/postloan/notices/1/notice.pdf"
        assert reverse("postloan:bulletin-pdf") == "/postloan/bulletin.pdf"
        client.force_login(people["county_officer"])
        assert client.get(url)["Content-Type"] == "application/pdf"
