import datetime as dt
import itertools
import random

import factory

from apps.accounts.models import Bank, BankBranch, User
from apps.accounts.roles import Position, Role
from apps.core import demo
from apps.households.models import Household, Member, Relation, ScorecardItem, Status
from apps.regions.models import Level, Region

_seq = itertools.count(1)
_rng = random.Random(7)


def valid_id(area6: str = "510921", born: dt.date = dt.date(1980, 1, 1), seq: int | None = None) -> str:
    return demo.id_number(area6, born, next(_seq) if seq is None else seq)


def region_tree(province="51", prefecture="09", county="21", township="100", village="201",
                names=("四川省", "遂宁市", "蓬溪县", "赤城镇", "新桥村")) -> dict:
    """Creates (or reuses) one chain province → village; returns {level: Region}."""
    codes = [
        (province.ljust(12, "0"), Level.PROVINCE),
        ((province + prefecture).ljust(12, "0"), Level.PREFECTURE),
        ((province + prefecture + county).ljust(12, "0"), Level.COUNTY),
        ((province + prefecture + county + township).ljust(12, "0"), Level.TOWNSHIP),
        (province + prefecture + county + township + village, Level.VILLAGE),
    ]
    out, parent = {}, None
    for (code, level), name in zip(codes, names, strict=True):
        parent, _ = Region.objects.get_or_create(code=code, defaults={"name": name, "level": level, "parent": parent})
        out[level] = parent
    return out


class BankFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bank

    name = factory.Sequence(lambda n: f"测试银行{n}")
    short_name = factory.Sequence(lambda n: f"测试行{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    real_name = factory.Sequence(lambda n: f"用户{n}")
    role = Role.COUNTY_OFFICER
    position = factory.LazyAttribute(lambda o: Position.FIRST_SECRETARY if o.role == Role.VILLAGE_MEMBER else "")
    password = factory.PostGenerationMethodCall("set_password", "pw-Secret-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def bank_user(region: Region, bank: Bank | None = None, **kw) -> User:
    bank = bank or BankFactory()
    branch = BankBranch.objects.create(bank=bank, name=f"{region.name}网点{next(_seq)}", region=region)
    return UserFactory(role=Role.BANK_OFFICER, region=region, bank=bank, branch=branch, **kw)


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household
        skip_postgeneration_save = True

    village = factory.LazyFunction(lambda: region_tree()[Level.VILLAGE])
    region_code = factory.LazyAttribute(lambda o: o.village.code)
    head_name = factory.LazyFunction(lambda: demo.person_name(_rng))
    head_id_number = factory.LazyAttribute(lambda o: valid_id(o.village.code[:6]))
    status = Status.REGISTERED_POOR
    size = 3
    labour_count = 2

    @factory.post_generation
    def head(obj, create, extracted, **kwargs):
        if create:
            Member.objects.create(household=obj, name=obj.head_name, id_number=obj.head_id_number, relation=Relation.HEAD)


def scorecard(county: Region) -> list[ScorecardItem]:
    items = [("household_size", "家庭人口", 8), ("labour", "劳动力", 8), ("assets", "家庭资产", 13), ("net_assets", "净资产", 13),
             ("shares", "入股情况", 4), ("net_income", "家庭纯收入", 14), ("overall", "综合评价", 30), ("repayment", "还款记录", 10)]
    return [ScorecardItem.objects.get_or_create(county=county, code=c, defaults={"name": n, "max_points": p, "order": i})[0]
            for i, (c, n, p) in enumerate(items)]
