"""Test data for the browser tests, built with tests.factories (never fixtures files)."""
import datetime as dt

import openpyxl

from apps.households import services
from apps.households.models import Household, LabourCapacity, Member, Relation, Status
from apps.regions.models import Level
from tests.factories import HouseholdFactory, scorecard, valid_id


def register(tree, officer, n: int = 30) -> Household:
    """`n` households across two townships of 蓬溪县; returns 王建国's, rated once, with a spouse and a child."""
    village_a, village_b = tree["a"][Level.VILLAGE], tree["a2"][Level.VILLAGE]
    scorecard(tree["a"][Level.COUNTY])
    for i in range(n - 1):
        HouseholdFactory(village=village_a if i % 2 else village_b, head_name=f"李{'一二三四五六七八九十'[i % 10]}{i:02d}",
                         status=Status.REGISTERED_POOR if i % 3 else Status.MONITORED)
    wang = HouseholdFactory(village=village_a, head_name="王建国", head_id_number=valid_id("510921", dt.date(1975, 3, 8)),
                            phone="13800138000", address="新桥村三组 12 号", annual_income=8600, industry="养殖（生猪）", size=4)
    Member.objects.create(household=wang, name="刘秀英", id_number=valid_id("510921", dt.date(1977, 6, 1)), relation=Relation.SPOUSE)
    Member.objects.create(household=wang, name="王小明", id_number=valid_id("510921", dt.date(2008, 9, 1)), relation=Relation.CHILD,
                          labour_capacity=LabourCapacity.STUDENT)
    services.household_rate(officer, wang, item_scores={"household_size": 7, "labour": 7, "assets": 10, "net_assets": 10,
                                                         "shares": 3, "net_income": 11, "overall": 25, "repayment": 9},
                            comment="评议通过")
    return Household.objects.get(pk=wang.pk)


# The import template's columns (apps/households/importing.py: HOUSEHOLD_COLUMNS, MEMBER_COLUMNS).
HOUSEHOLD_HEADER = ["户主姓名", "户主身份证号", "所在村", "户类别", "国家系统户编号", "联系电话", "家庭人口", "劳动力人数",
                    "家庭年纯收入", "主要产业", "住址"]
MEMBER_HEADER = ["户主身份证号", "姓名", "身份证号", "与户主关系", "劳动能力"]


def workbook(path, households: list[list], members: list[list]):
    """A register workbook like the template: sheet 户信息 (households) and sheet 成员 (the other members)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "户信息"
    ws.append(HOUSEHOLD_HEADER)
    for row in households:
        ws.append(row)
    ms = wb.create_sheet("成员")
    ms.append(MEMBER_HEADER)
    for row in members:
        ms.append(row)
    wb.save(path)
    return path


def wrong_check_digit(number: str) -> str:
    return number[:-1] + ("0" if number[-1] != "0" else "1")
