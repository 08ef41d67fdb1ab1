"""Excel import of the register: dry run listing every bad row, then an all-or-nothing commit."""
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from apps.core import demo
from apps.households import importing
from apps.households.models import Household, HouseholdEvent, ImportJob, Member, Relation, Status
from apps.regions.models import Level
from tests.factories import HouseholdFactory, UserFactory, region_tree

HEADERS = ["户主姓名", "户主身份证号", "所在村", "户类别", "国家系统户编号", "联系电话", "家庭人口", "劳动力人数", "家庭年纯收入",
           "主要产业", "住址"]
MEMBER_HEADERS = ["户主身份证号", "姓名", "身份证号", "与户主关系", "劳动能力"]
_n = iter(range(1, 10**6))


def new_id(area="510921", born=dt.date(1985, 3, 4)) -> str:
    return demo.id_number(area, born, next(_n) + 100)


def row(village, **kw):
    values = {"户主姓名": "张三", "户主身份证号": new_id(), "所在村": village.code, "户类别": "建档立卡贫困户",
              "国家系统户编号": "", "联系电话": "13800000000", "家庭人口": 3, "劳动力人数": 2, "家庭年纯收入": 12000,
              "主要产业": "生猪养殖", "住址": "新桥村3组"}
    values.update(kw)
    return values


def xlsx(rows, members=None, headers=HEADERS, sheet="户信息") -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    ws.append(headers)
    for r in rows:
        ws.append([r.get(h) for h in headers])
    if members is not None:
        ms = wb.create_sheet("成员")
        ms.append(MEMBER_HEADERS)
        for m in members:
            ms.append([m.get(h) for h in MEMBER_HEADERS])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload(client, content: bytes, name="households.xlsx"):
    return client.post(reverse("households:import"), {"file": SimpleUploadedFile(name, content)})


def last_job() -> ImportJob:
    return ImportJob.objects.order_by("-id").first()


def codes(job) -> set[tuple[int, str]]:
    return {(e["row"], e["code"]) for e in job.errors}


@pytest.mark.django_db
def test_good_file_preview_then_commit_creates_households_members_and_events(officer_client, tree, county_officer):
    village, village2 = tree["a"][Level.VILLAGE], tree["a2"][Level.VILLAGE]
    r1 = row(village, 户主姓名="王五", 国家系统户编号="5109210001")
    r2 = row(village2, 户主姓名="赵六", 户类别="marginal", 家庭人口=None, 劳动力人数=None)
    r3 = row(village, 所在村="新桥村", 户类别="监测对象", 家庭年纯收入="8,500.5")
    spouse, child = new_id(born=dt.date(1986, 5, 6)), new_id(born=dt.date(2012, 1, 2))
    members = [
        {"户主身份证号": r2["户主身份证号"], "姓名": "钱七", "身份证号": spouse, "与户主关系": "配偶", "劳动能力": "普通劳动力"},
        {"户主身份证号": r2["户主身份证号"], "姓名": "赵小", "身份证号": child, "与户主关系": "子女", "劳动能力": "在校生"},
        {"户主身份证号": r2["户主身份证号"], "姓名": "赵六", "身份证号": r2["户主身份证号"], "与户主关系": "户主"},  # the head again
    ]
    response = upload(officer_client, xlsx([r1, r2, r3], members))
    job = last_job()
    assert response.status_code == 302 and response.url == reverse("households:import-detail", args=[job.pk])
    assert job.state == ImportJob.State.READY, job.errors
    assert job.total_rows == 3 and job.region_code == "510921000000"
    assert Household.objects.count() == 0  # a dry run writes nothing
    page = officer_client.get(response.url).content.decode()
    assert 'data-testid="commit"' in page

    response = officer_client.post(reverse("households:import-commit", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE and job.created_count == 3
    h2 = Household.objects.get(head_id_number=r2["户主身份证号"])
    assert h2.status == Status.MARGINAL and h2.size == 3 and h2.labour_count == 0 and h2.region_code == village2.code
    assert h2.created_by == county_officer
    assert sorted(h2.members.values_list("relation", flat=True)) == sorted([Relation.HEAD, Relation.SPOUSE, Relation.CHILD])
    assert h2.members.get(id_number=child).labour_capacity == "student"
    h3 = Household.objects.get(head_id_number=r3["户主身份证号"])
    assert h3.village == village and str(h3.annual_income) == "8500.50" and h3.status == Status.MONITORED
    assert Household.objects.get(head_name="王五").national_no == "5109210001"
    assert Member.objects.count() == 5
    assert HouseholdEvent.objects.filter(action="imported", actor=county_officer).count() == 3
    page = officer_client.get(reverse("households:import-detail", args=[job.pk])).content.decode()
    assert 'data-testid="to-register"' in page and 'data-testid="commit"' not in page
    # Committing again changes nothing.
    officer_client.post(reverse("households:import-commit", args=[job.pk]))
    assert Household.objects.count() == 3


@pytest.mark.django_db
def test_every_bad_row_is_listed_with_its_row_and_code_and_nothing_is_committed(officer_client, tree):
    village = tree["a"][Level.VILLAGE]
    outside = tree["b"][Level.VILLAGE]
    existing = HouseholdFactory(village=village)
    good = new_id()
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")
    bad_birth = demo.id_number("510921", dt.date(1985, 3, 4), 7)[:10] + "1332" + "0071"
    bad_birth = bad_birth[:17] + "1"
    dup = new_id()
    lower_x = next(i for i in (new_id() for _ in range(60)) if i.endswith("X")).lower()
    rows = [
        row(village, 户主身份证号=good),                          # 2 fine
        row(village, 户主身份证号=wrong_check),                   # 3 check digit
        row(village, 户主身份证号=bad_birth),                     # 4 birth date
        row(village, 户主身份证号=lower_x),                       # 5 lower-case x: fine
        row(village, 户主身份证号="510921850304123"),             # 6 15 digits
        row(village, 户主身份证号="51092119850304ABCD"),          # 7 bad format
        row(village, 所在村="999999999999"),                     # 8 unknown village code
        row(village, 所在村="不存在村"),                          # 9 unknown village name
        row(village, 所在村=outside.code),                       # 10 another county's village
        row(village, 户主身份证号=dup),                           # 11 first occurrence: fine
        row(village, 户主身份证号=dup),                           # 12 duplicate inside the file
        row(village, 户主身份证号=existing.head_id_number),       # 13 already registered
        row(village, 户主姓名=""),                                # 14 missing name
        row(village, 户类别="富裕户"),                             # 15 unknown status
        row(village, 户类别=None),                                # 16 missing status
        row(village, 户主身份证号=None),                          # 17 missing ID
        row(village, 联系电话="12345"),                           # 18 bad phone
        row(village, 家庭人口=2, 劳动力人数=3),                    # 19 more labourers than people
        row(village, 家庭人口="三"),                               # 20 not a number
        row(village, 国家系统户编号="N1"),                         # 21 fine
        row(village, 国家系统户编号="N1"),                         # 22 national number twice
    ]
    members = [
        {"户主身份证号": good, "姓名": "李四", "身份证号": dup, "与户主关系": "配偶"},               # 2 dup of a head
        {"户主身份证号": "510921198001010000", "姓名": "李四", "身份证号": new_id(), "与户主关系": "配偶"},  # 3 no such household
        {"户主身份证号": good, "姓名": "李五", "身份证号": new_id(), "与户主关系": "表亲"},           # 4 unknown relation
        {"户主身份证号": good, "姓名": "", "身份证号": new_id(), "与户主关系": "子女"},               # 5 missing name
    ]
    before = (Household.objects.count(), Member.objects.count(), HouseholdEvent.objects.count())
    upload(officer_client, xlsx(rows, members))
    job = last_job()
    assert job.state == ImportJob.State.INVALID and job.message == "import_has_errors"
    household_codes = {(e["row"], e["code"]) for e in job.errors if e["sheet"] == "户信息"}
    assert household_codes == {
        (3, "id_number_bad_check_digit"), (4, "id_number_bad_birth_date"), (6, "id_number_15_digits"),
        (7, "id_number_bad_format"), (8, "household_village_unknown"), (9, "household_village_unknown"),
        (10, "household_village_out_of_scope"), (12, "id_number_duplicate_in_file"), (13, "id_number_taken"),
        (14, "household_field_missing"), (15, "household_status_unknown"), (16, "household_field_missing"),
        (17, "id_number_missing"), (18, "household_phone_bad"), (19, "household_labour_exceeds_size"),
        (20, "household_bad_number"), (22, "household_national_no_duplicate_in_file"),
    }
    member_codes = {(e["row"], e["code"]) for e in job.errors if e["sheet"] == "成员"}
    assert member_codes == {(2, "id_number_duplicate_in_file"), (3, "import_member_household_unknown"),
                            (4, "import_choice_unknown"), (5, "household_field_missing")}
    dup_error = next(e for e in job.errors if e["row"] == 12)
    assert dup_error["first_row"] == 11 and dup_error["column"] == "户主身份证号"
    assert job.error_count == 17 + 4
    assert job.total_rows == len(rows)  # every household row read counts, good and bad
    # The page lists them with the user's words.
    page = officer_client.get(reverse("households:import-detail", args=[job.pk])).content.decode()
    assert "import-errors" in page and 'data-testid="commit"' not in page
    # Nothing was written, and the job cannot be committed.
    officer_client.post(reverse("households:import-commit", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == ImportJob.State.INVALID
    assert (Household.objects.count(), Member.objects.count(), HouseholdEvent.objects.count()) == before


@pytest.mark.django_db
def test_lower_case_x_is_accepted_and_normalized(officer_client, tree):
    village = tree["a"][Level.VILLAGE]
    number = next(i for i in (new_id() for _ in range(60)) if i.endswith("X"))
    upload(officer_client, xlsx([row(village, 户主身份证号=" " + number.lower())]))
    job = last_job()
    assert job.state == ImportJob.State.READY, job.errors
    officer_client.post(reverse("households:import-commit", args=[job.pk]))
    assert Household.objects.get().head_id_number == number
    assert Member.objects.get().id_number == number


@pytest.mark.django_db
def test_village_by_name_by_township_and_name_and_ambiguous_names(officer_client, tree):
    region_tree(township="100", village="202", names=("四川省", "遂宁市", "蓬溪县", "赤城镇", "同名村"))
    region_tree(township="102", village="202", names=("四川省", "遂宁市", "蓬溪县", "常乐镇", "同名村"))
    village = tree["a"][Level.VILLAGE]
    rows = [row(village, 所在村="同名村"), row(village, 所在村="常乐镇/同名村"), row(village, 所在村="赤城镇同名村")]
    upload(officer_client, xlsx(rows))
    job = last_job()
    assert codes(job) == {(2, "household_village_ambiguous")}
    upload(officer_client, xlsx(rows[1:]))
    job = last_job()
    assert job.state == ImportJob.State.READY
    officer_client.post(reverse("households:import-commit", args=[job.pk]))
    assert sorted(Household.objects.values_list("region_code", flat=True)) == ["510921100202", "510921102202"]


@pytest.mark.django_db
def test_empty_files(officer_client, tree):
    upload(officer_client, b"")
    assert last_job().state == ImportJob.State.INVALID and last_job().message == "import_empty"
    upload(officer_client, xlsx([]))
    job = last_job()
    assert job.state == ImportJob.State.INVALID and job.message == "import_empty"
    page = officer_client.get(reverse("households:import-detail", args=[job.pk])).content.decode()
    assert 'data-testid="file-problem"' in page


@pytest.mark.django_db
@pytest.mark.parametrize("content,name", [
    (b"just some text\n", "notes.txt"),
    ("户主姓名,户主身份证号,所在村,户类别\n张三,510921198001011234,510921100201,贫困户\n".encode(), "renamed.xlsx"),
    (b"PK\x03\x04 not really a zip", "broken.xlsx"),
])
def test_non_excel_files_are_refused(officer_client, tree, content, name):
    upload(officer_client, content, name)
    job = last_job()
    assert job.state == ImportJob.State.INVALID and job.message == "import_not_excel"
    assert job.original_name == name
    page = officer_client.get(reverse("households:import-detail", args=[job.pk])).content.decode()
    assert 'data-testid="file-problem"' in page


@pytest.mark.django_db
def test_missing_columns_are_named(officer_client, tree):
    headers = ["户主姓名", "所在村", "联系电话"]
    upload(officer_client, xlsx([{"户主姓名": "张三", "所在村": tree["a"][Level.VILLAGE].code}], headers=headers))
    job = last_job()
    assert job.state == ImportJob.State.INVALID and job.message == "import_missing_columns"
    assert job.errors[0]["column"] == "户主身份证号、户类别"


@pytest.mark.django_db
def test_too_large_file_is_refused(officer_client, tree, settings):
    settings.IMPORT_MAX_FILE_BYTES = 1000
    upload(officer_client, xlsx([row(tree["a"][Level.VILLAGE]) for _ in range(50)]))
    job = last_job()
    assert job.state == ImportJob.State.INVALID and job.message == "import_too_large"


@pytest.mark.django_db
def test_headers_with_notes_any_order_and_a_title_row(officer_client, tree):
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["蓬溪县扶贫对象名单"])
    ws.append(["户类别", "所在村（12位区划代码或村名）", "*户主姓名", "户主身份证号码", "备注"])
    number = new_id()
    ws.append(["贫困户", int(tree["a"][Level.VILLAGE].code), "孙八", number, "随便"])
    buf = io.BytesIO()
    wb.save(buf)
    upload(officer_client, buf.getvalue())
    job = last_job()
    assert job.state == ImportJob.State.READY, job.errors
    officer_client.post(reverse("households:import-commit", args=[job.pk]))
    assert Household.objects.get().head_id_number == number


@pytest.mark.django_db
def test_ten_thousand_rows_go_through_the_celery_tasks(officer_client, tree, settings, django_capture_on_commit_callbacks):
    assert settings.IMPORT_SYNC_MAX_ROWS < 10_000
    villages = [tree["a"][Level.VILLAGE], tree["a2"][Level.VILLAGE]]
    rows = [row(villages[i % 2], 户主身份证号=demo.id_number("510921", dt.date(1950, 1, 1) + dt.timedelta(days=i // 500), i % 500))
            for i in range(10_000)]
    members = [{"户主身份证号": r["户主身份证号"], "姓名": "李四", "与户主关系": "配偶",
                "身份证号": demo.id_number("510922", dt.date(1950, 1, 1) + dt.timedelta(days=i // 500), i % 500)}
               for i, r in enumerate(rows[:3000])]
    content = xlsx(rows, members)
    with django_capture_on_commit_callbacks(execute=True):
        upload(officer_client, content)
    job = last_job()
    assert job.state == ImportJob.State.READY, job.errors[:5]
    assert job.total_rows == 10_000 and job.processed_rows == 10_000
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        officer_client.post(reverse("households:import-commit", args=[job.pk]))
    assert callbacks  # the commit went through a task
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE and job.created_count == 10_000
    assert Household.objects.count() == 10_000 and Member.objects.count() == 13_000
    assert HouseholdEvent.objects.filter(action="imported").count() == 10_000


@pytest.mark.django_db
def test_the_tasks_are_idempotent(officer_client, tree, county_officer):
    upload(officer_client, xlsx([row(tree["a"][Level.VILLAGE])]))
    job = last_job()
    from apps.households import tasks

    assert tasks.import_validate(job.pk) is None  # already validated: nothing to do
    officer_client.post(reverse("households:import-commit", args=[job.pk]))
    assert tasks.import_commit(job.pk, county_officer.pk) is None  # already done
    assert Household.objects.count() == 1


@pytest.mark.django_db
def test_commit_revalidates_and_catches_an_id_registered_after_the_preview(officer_client, tree):
    village = tree["a"][Level.VILLAGE]
    rows = [row(village), row(village)]
    upload(officer_client, xlsx(rows))
    job = last_job()
    assert job.state == ImportJob.State.READY
    HouseholdFactory(village=village, head_id_number=rows[1]["户主身份证号"])  # someone was quicker
    officer_client.post(reverse("households:import-commit", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == ImportJob.State.INVALID
    assert codes(job) == {(3, "id_number_taken")}
    assert Household.objects.count() == 1 and HouseholdEvent.objects.filter(action="imported").count() == 0


@pytest.mark.django_db
def test_commit_catches_a_member_id_and_a_national_number_registered_after_the_preview(officer_client, tree):
    village = tree["a"][Level.VILLAGE]
    rows = [row(village, 国家系统户编号="GX-1"), row(village)]
    members = [{"户主身份证号": rows[1]["户主身份证号"], "姓名": "李四", "与户主关系": "配偶", "身份证号": new_id()}]
    upload(officer_client, xlsx(rows, members))
    job = last_job()
    assert job.state == ImportJob.State.READY
    other = HouseholdFactory(village=village, national_no="GX-1")
    Member.objects.create(household=other, name="王五", id_number=members[0]["身份证号"], relation=Relation.CHILD)
    officer_client.post(reverse("households:import-commit", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == ImportJob.State.INVALID
    assert codes(job) == {(2, "household_national_no_taken"), (2, "id_number_taken")}
    assert Household.objects.count() == 1 and HouseholdEvent.objects.filter(action="imported").count() == 0


@pytest.mark.django_db
def test_another_countys_user_gets_404_and_sees_no_job(client, tree, county_officer, other_county_officer):
    client.force_login(county_officer)
    upload(client, xlsx([row(tree["a"][Level.VILLAGE])]))
    job = last_job()
    client.force_login(other_county_officer)
    assert client.get(reverse("households:import-detail", args=[job.pk])).status_code == 404
    assert client.get(reverse("households:import-detail", args=[job.pk]) + "?partial=progress").status_code == 404
    assert client.post(reverse("households:import-commit", args=[job.pk])).status_code == 404
    assert client.get(reverse("households:import-commit", args=[job.pk])).status_code == 404
    assert job.original_name not in client.get(reverse("households:import")).content.decode()
    job.refresh_from_db()
    assert job.state == ImportJob.State.READY and Household.objects.count() == 0


@pytest.mark.django_db
def test_only_importers_may_import(client, tree, village_member):
    client.force_login(UserFactory(role="supervisor", region=tree["a"][Level.COUNTY]))
    assert client.get(reverse("households:import")).status_code == 403
    assert client.get(reverse("households:import-template")).status_code == 403


@pytest.mark.django_db
def test_progress_partial_while_running_and_refresh_when_done(officer_client, tree, county_officer):
    job = ImportJob.objects.create(created_by=county_officer, region_code="510921000000", original_name="x.xlsx",
                                   state=ImportJob.State.VALIDATING, total_rows=100, processed_rows=40)
    url = reverse("households:import-detail", args=[job.pk])
    partial = officer_client.get(url + "?partial=progress")
    body = partial.content.decode()
    assert 'hx-trigger="every 1s"' in body and "40%" in body
    assert 'hx-trigger="every 1s"' in officer_client.get(url).content.decode()
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.READY)
    assert officer_client.get(url + "?partial=progress")["HX-Refresh"] == "true"


@pytest.mark.django_db
def test_template_download_has_the_columns_and_a_guide(officer_client, tree):
    response = officer_client.get(reverse("households:import-template"))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert wb.sheetnames == ["户信息", "成员", "填写说明"]
    assert [c.value for c in wb["户信息"][1]] == HEADERS
    assert [c.value for c in wb["成员"][1]] == MEMBER_HEADERS
    guide = [r[1] for r in wb["填写说明"].iter_rows(min_row=2, values_only=True)]
    assert set(HEADERS) <= set(guide)
    # The empty template is an empty file, not an error in the reader.
    upload(officer_client, b"".join(officer_client.get(reverse("households:import-template")).streaming_content))
    assert last_job().message == "import_empty"


def test_reader_matches_openpyxl_on_shared_strings_and_odd_cells(tmp_path):
    """The fast reader gives what openpyxl gives, including the cells it hands over to openpyxl."""
    wb = Workbook()
    ws = wb.active
    ws.append(["a & b", 1, 2.5, None, True, "<x>"])
    ws.append([])
    ws.append([None, None, "=1+1", "text"])
    path = tmp_path / "odd.xlsx"
    wb.save(path)
    with open(path, "rb") as f:
        rows = list(importing.XlsxReader(f).rows("Sheet"))
    assert rows[0] == (1, ("a & b", 1, 2.5, None, True, "<x>"))
    assert rows[-1][0] == 3 and rows[-1][1][3] == "text"


@pytest.mark.django_db
def test_database_duplicates_found_across_chunks(officer_client, tree, monkeypatch):
    """The database is asked in chunks of ID numbers; a duplicate in any chunk is found."""
    monkeypatch.setattr(importing, "DB_CHUNK", 1)
    village = tree["a"][Level.VILLAGE]
    existing = HouseholdFactory(village=village, national_no="N-9")
    rows = [row(village), row(village, 户主身份证号=existing.head_id_number), row(village), row(village, 国家系统户编号="N-9"),
            row(village), row(village)]
    upload(officer_client, xlsx(rows))
    assert codes(last_job()) == {(3, "id_number_taken"), (5, "household_national_no_taken")}


@pytest.mark.django_db
def test_commit_rechecks_villages_and_works_without_the_kept_rows(officer_client, tree):
    from django.core.files.storage import default_storage

    village, village2 = tree["a"][Level.VILLAGE], tree["a2"][Level.VILLAGE]
    upload(officer_client, xlsx([row(village), row(village2)]))
    job = last_job()
    kept = importing._checked_name(job)
    assert default_storage.exists(kept)
    village2.active = False  # retired from the code table since the preview
    village2.save()
    officer_client.post(reverse("households:import-commit", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == ImportJob.State.INVALID and codes(job) == {(3, "household_village_unknown")}
    assert Household.objects.count() == 0
    # Without the kept rows the commit reads the file again.
    upload(officer_client, xlsx([row(village)]))
    job = last_job()
    default_storage.delete(importing._checked_name(job))
    officer_client.post(reverse("households:import-commit", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE and Household.objects.count() == 1


@pytest.mark.django_db
def test_values_with_tabs_line_breaks_and_backslashes_are_stored_exactly(officer_client, tree):
    """The PostgreSQL commit writes with COPY's text format: every special character must survive it."""
    village = tree["a"][Level.VILLAGE]
    odd = ["新桥村\t3组", "新桥村\n3组\r\n", "C:\\data\\N\\", "\\N", "路\\\t\\n"]
    rows = [row(village, 住址=address, 主要产业="\\N" if i == 0 else "种植", 家庭年纯收入=None) for i, address in enumerate(odd)]
    upload(officer_client, xlsx(rows))
    job = last_job()
    officer_client.post(reverse("households:import-commit", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE, job.errors
    stored = dict(Household.objects.values_list("head_id_number", "address"))
    assert [stored[r["户主身份证号"]] for r in rows] == [a.strip() for a in odd]
    first = Household.objects.get(head_id_number=rows[0]["户主身份证号"])
    assert first.industry == "\\N" and first.annual_income is None


def test_copy_lines_escape_only_what_needs_it():
    assert importing._copy_line((1, None, "plain", dt.date(2026, 1, 2)), "\n") == "1\t\\N\tplain\t2026-01-02\n"
    assert importing._copy_line((None, "a\tb", "c\\Nd", "x\ny\r"), "") == "\\N\ta\\tb\tc\\\\Nd\tx\\ny\\r"


@pytest.mark.django_db
def test_taken_national_number_found_in_a_long_list(officer_client, tree):
    """More than 100 numbers in one database question (the planner's limit for proving a partial index applies)."""
    village = tree["a"][Level.VILLAGE]
    HouseholdFactory(village=village, national_no="N-150")
    rows = [row(village, 国家系统户编号=f"N-{i}") for i in range(1, 200)]
    upload(officer_client, xlsx(rows))
    assert codes(last_job()) == {(151, "household_national_no_taken")}


@pytest.mark.django_db(transaction=True)
def test_dry_run_outside_a_transaction_looks_up_numbers_on_a_second_connection(tree, settings):
    """PostgreSQL: the dry run's questions to the database go to a thread with its own connection, which is
    closed afterwards; registered numbers are found in every chunk."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the background lookups run on PostgreSQL only")
    import threading

    settings.MEDIA_ROOT = settings.MEDIA_ROOT  # (the autouse fixture already points it at tmp_path)
    village = tree["a"][Level.VILLAGE]
    existing = HouseholdFactory(village=village, national_no="N-7")
    member = Member.objects.create(household=existing, name="李四", id_number=new_id(born=dt.date(1990, 1, 1)),
                                   relation=Relation.SPOUSE)
    rows = [row(village) for _ in range(12)]
    rows[3]["户主身份证号"] = existing.head_id_number
    rows[9]["户主身份证号"] = member.id_number
    rows[10]["国家系统户编号"] = "N-7"
    seen_threads = set()
    real_taken = importing._taken

    def spy(pairs, values):
        seen_threads.add(threading.current_thread().name)
        return real_taken(pairs, values)

    original_chunk = importing.DB_CHUNK
    importing.DB_CHUNK, importing._taken = 4, spy
    try:
        parsed = importing.parse_file(io.BytesIO(xlsx(rows)), scope_prefix="", today=dt.date.today())
    finally:
        importing.DB_CHUNK, importing._taken = original_chunk, real_taken
    assert {(p.row, p.code) for p in parsed.problems} == {(5, "id_number_taken"), (11, "id_number_taken"),
                                                          (12, "household_national_no_taken")}
    assert seen_threads and all(name.startswith("import-lookups") for name in seen_threads)
    assert not any(t.name.startswith("import-lookups") for t in threading.enumerate())
    import time

    with connection.cursor() as cur:
        for _ in range(50):  # a closed connection's server process ends a moment later
            cur.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
            others = cur.fetchone()[0]
            if not others:
                break
            time.sleep(0.02)
        assert others == 0  # the thread's connection was closed


@pytest.mark.django_db
def test_old_files_are_purged_and_stale_previews_expire(officer_client, tree, settings):
    from django.core.files.storage import default_storage
    from django.utils import timezone

    from apps.households.tasks import purge_import_files

    settings.IMPORT_FILE_RETENTION_DAYS = 30
    village = tree["a"][Level.VILLAGE]
    upload(officer_client, xlsx([row(village)]))
    done = last_job()
    officer_client.post(reverse("households:import-commit", args=[done.pk]))
    upload(officer_client, xlsx([row(village, 户主身份证号="1")]))
    invalid = last_job()
    upload(officer_client, xlsx([row(village)]))
    stale_preview = last_job()
    upload(officer_client, xlsx([row(village)]))
    recent_preview = last_job()
    stuck = ImportJob.objects.create(created_by=invalid.created_by, region_code=invalid.region_code, original_name="lost.xlsx",
                                     state=ImportJob.State.VALIDATING)  # its task was lost
    now = timezone.now()
    ImportJob.objects.filter(pk=stuck.pk).update(created_at=now - dt.timedelta(days=40))
    day31, day29 = now - dt.timedelta(days=31), now - dt.timedelta(days=29)
    ImportJob.objects.filter(pk__in=[done.pk, invalid.pk]).update(finished_at=day31)
    ImportJob.objects.filter(pk=stale_preview.pk).update(created_at=day31)
    ImportJob.objects.filter(pk=recent_preview.pk).update(created_at=day29)
    files = {j.pk: ImportJob.objects.get(pk=j.pk).file.name for j in (done, invalid, stale_preview, recent_preview)}
    assert all(default_storage.exists(name) for name in files.values())
    assert default_storage.exists(importing._checked_name(stale_preview))

    assert invalid.errors and any(e["value"] for e in ImportJob.objects.get(pk=invalid.pk).errors)
    assert purge_import_files() == {"expired": 2, "purged": 3}
    for job in (done, invalid, stale_preview):
        job.refresh_from_db()
        assert not job.file and not default_storage.exists(files[job.pk]) and job.purged_at
    assert invalid.errors and all(e["value"] == "" and e["code"] for e in invalid.errors)  # which row, which problem
    stuck.refresh_from_db()
    assert stuck.state == ImportJob.State.FAILED and stuck.message == "import_expired"
    assert not default_storage.exists(importing._checked_name(stale_preview))
    assert stale_preview.state == ImportJob.State.FAILED and stale_preview.message == "import_expired"
    assert done.state == ImportJob.State.DONE and done.created_count == 1  # the record stays
    recent_preview.refresh_from_db()
    assert recent_preview.state == ImportJob.State.READY and default_storage.exists(files[recent_preview.pk])
    # The expired preview cannot be committed; its page says why and that the file is gone.
    officer_client.post(reverse("households:import-commit", args=[stale_preview.pk]))
    assert Household.objects.count() == 1
    page = officer_client.get(reverse("households:import-detail", args=[stale_preview.pk])).content.decode()
    assert "预览已过期" in page and 'data-testid="file-purged"' in page and 'data-testid="commit"' not in page
    page = officer_client.get(reverse("households:import-detail", args=[invalid.pk])).content.decode()
    assert 'data-testid="import-errors"' in page  # the problems found stay listed
    # A second run has nothing left to do.
    assert purge_import_files() == {"expired": 0, "purged": 0}


def test_the_purge_is_scheduled_daily():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["import-files-purge"]
    assert entry["task"] == "households.purge_import_files"
    from microcredit.celery_app import app

    assert "households.purge_import_files" in app.tasks
