"""The demo: three seed counties with townships and villages, their banks (a second bank in 蓬溪), policies,
scorecards, one user per role, and some households. Idempotent: running it again changes nothing."""
import datetime as dt
import random
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Bank, BankBranch, CountyBank, User
from apps.accounts.roles import Position, Role
from apps.approvals.models import Application
from apps.approvals.services import application_approve, application_create, application_return
from apps.core import demo
from apps.households.models import Household, LabourCapacity, Member, Relation, ScorecardItem, Status
from apps.households.services import household_rate
from apps.loans.services import loan_disburse
from apps.regions.models import CountyPolicy, Level, Region, ShareScheme
from apps.regions.services import holidays_seed, rates_seed, region_table_from_csv, region_table_import

DEMO_PASSWORD = "Demo@2026"
SCORECARD = [
    ("household_size", "家庭人口", 8), ("labour", "劳动力", 8), ("assets", "家庭资产", 13), ("net_assets", "净资产", 13),
    ("shares", "入股情况", 4), ("net_income", "家庭纯收入", 14), ("overall", "综合评价", 30), ("repayment", "还款记录", 10),
]
COUNTIES = {
    # code: (short name, bank, policy overrides)
    "610928000000": ("xunyang", "旬阳农村商业银行", {"hotline": "0915-7212345"}),
    "510921000000": ("pengxi", "蓬溪农村商业银行", {
        "hotline": "0825-5422345", "due_reminder_days": 45, "share_scheme": ShareScheme.INSURER_BANK_COUNTY,
        "share_county": Decimal("0.15"), "share_bank": Decimal("0.15"), "share_insurer": Decimal("0.70"),
    }),
    "533124000000": ("longchuan", "陇川农村商业银行", {"hotline": "0692-7172345"}),
}


class Command(BaseCommand):
    help = "Load the demo counties, banks, users and households (idempotent). Prints the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--households-per-village", type=int, default=8)

    @transaction.atomic
    def handle(self, households_per_village, **opts):
        csv_text = (settings.BASE_DIR / "fixtures" / "regions_demo.csv").read_text(encoding="utf-8")
        if not Region.objects.filter(code="510921000000").exists():
            region_table_import(region_table_from_csv(csv_text), 2020, source="regions_demo.csv")
        holidays_seed()
        rates_seed()
        logins = []

        def user(username, role, region, real_name, **extra):
            u, created = User.objects.get_or_create(
                username=username,
                defaults={"role": role, "region": region, "real_name": real_name, **extra},
            )
            if created:
                u.set_password(DEMO_PASSWORD)
                u.save()
            logins.append((username, u.get_role_display(), region.name if region else "全国", real_name))
            return u

        province = Region.objects.get(code="510000000000")
        user("admin", Role.SYSADMIN, None, "系统管理员", is_staff=True, is_superuser=True)
        user("sheng_jianguan", Role.SUPERVISOR, province, "四川省监管员")
        rng = random.Random(2020)
        for code, (short, bank_name, overrides) in COUNTIES.items():
            county = Region.objects.get(code=code)
            townships = list(county.children.order_by("code"))
            bank, _ = Bank.objects.get_or_create(name=bank_name, defaults={"short_name": bank_name.replace("农村商业银行", "农商行")})
            cb, _ = CountyBank.objects.get_or_create(county=county, bank=bank)
            cb.main_townships.add(*townships)
            branch, _ = BankBranch.objects.get_or_create(bank=bank, name=f"{county.name}支行", defaults={"region": county})
            CountyPolicy.objects.get_or_create(county=county, effective_on=dt.date(2020, 1, 1),
                                               defaults={"note": "演示县政策", **overrides})
            for order, (item_code, name, points) in enumerate(SCORECARD):
                ScorecardItem.objects.get_or_create(county=county, code=item_code,
                                                    defaults={"name": name, "max_points": points, "order": order})
            village = townships[0].children.order_by("code").first()
            user(f"{short}_cun", Role.VILLAGE_MEMBER, village, f"{village.name}第一书记", position=Position.FIRST_SECRETARY)
            user(f"{short}_xiang", Role.TOWNSHIP_OFFICER, townships[0], f"{townships[0].name}扶贫办干部")
            user(f"{short}_xiangzhang", Role.TOWNSHIP_LEADER, townships[0], f"{townships[0].name}镇长")
            user(f"{short}_xian", Role.COUNTY_OFFICER, county, f"{county.name}扶贫办干部")
            user(f"{short}_zuzhang", Role.COUNTY_HEAD, county, f"{county.name}领导小组组长")
            user(f"{short}_caizheng", Role.FINANCE_OFFICER, county, f"{county.name}财政局干部")
            user(f"{short}_bank", Role.BANK_OFFICER, county, f"{bank.short_name}信贷员", bank=bank, branch=branch)
            user(f"{short}_admin", Role.SYSADMIN, county, f"{county.name}系统管理员", is_staff=True)
            if not Household.objects.filter(region_code__startswith=code[:6]).exists():
                self._households(county, households_per_village, rng)
            if not Application.objects.filter(region_code__startswith=code[:6]).exists():
                self._applications(county, village, short, bank)
        # A second bank in 蓬溪 serving one township only, so bank isolation can be seen.
        pengxi = Region.objects.get(code="510921000000")
        abc, _ = Bank.objects.get_or_create(name="中国农业银行", defaults={"short_name": "农行"})
        CountyBank.objects.get_or_create(county=pengxi, bank=abc)
        changle = Region.objects.get(code="510921102000")
        abc_branch, _ = BankBranch.objects.get_or_create(bank=abc, name="蓬溪常乐分理处", defaults={"region": changle})
        user("pengxi_abc", Role.BANK_OFFICER, changle, "农行常乐信贷员", bank=abc, branch=abc_branch)
        admins = self._admin_group()
        for u in User.objects.filter(role=Role.SYSADMIN, is_superuser=False):
            u.groups.add(admins)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Logins (password for all: {DEMO_PASSWORD}):"))
        for username, role, region, name in logins:
            self.stdout.write(f"  {username:<20} {role} · {region} · {name}")

    def _applications(self, county: Region, village: Region, short: str, bank: Bank):
        """Applications of the first village at every stage of the review, so each role finds work waiting."""
        users = {u.username.split("_", 1)[1]: u for u in User.objects.filter(username__startswith=f"{short}_")}
        households = list(Household.objects.filter(region_code=village.code).order_by("id"))
        today = timezone.localdate()
        items = {i.code: i.max_points for i in ScorecardItem.objects.filter(county=county)}
        for h in households:
            household_rate(users["xian"], h, item_scores={k: v * Decimal("0.85") for k, v in items.items()}, comment="村评级小组评定", today=today)
        stages = ["draft", "submitted", "village_approved", "township_approved", "county_recommended", "contracted", "disbursed", "returned"]
        steps = [("cun", "village_approve"), ("xiangzhang", "township_approve"), ("zuzhang", "county_recommend")]
        for n, (h, stage) in enumerate(zip(households, stages, strict=False), start=1):
            amount = Decimal(random.Random(n).choice([20000, 30000, 40000, 50000]))
            app = application_create(users["cun"], household=h, bank=bank, amount=amount, term_months=36 if n % 2 else 24,
                                     purpose=["breeding", "planting", "processing", "rural_tourism"][n % 4],
                                     project=h.industry or "发展产业", today=today, submit=stage != "draft")
            done = {"draft": 0, "submitted": 0, "village_approved": 1, "township_approved": 2, "returned": 2}.get(stage, 3)
            for who, _action in steps[:done]:
                app = application_approve(users[who], app, comment="同意", today=today)
            if stage == "returned":
                application_return(users["xian"], app, comment="请补充家庭收入证明")
            if stage in ("contracted", "disbursed"):
                app = application_approve(users["bank"], app, comment="审查通过", today=today, bank_terms={
                    "amount": amount, "term_months": app.term_months, "contract_no": f"{short.upper()}-{today:%Y}-{n:04d}",
                    "receipt_no": f"JJ-{today:%Y}-{n:04d}", "signed_on": today})
            if stage == "disbursed":
                loan_disburse(users["bank"], app.loan, today)

    def _admin_group(self) -> Group:
        """County system administrators maintain their county's settings in the admin. The holiday calendar and
        the interest-rate table are national: they read them, national administrators change them."""
        group, _ = Group.objects.get_or_create(name="县级系统管理员")
        wanted = {
            "regions": {"countypolicy": "add view", "holiday": "view", "calendaryear": "view",
                        "interestrate": "view", "region": "view"},
            "households": {"scorecarditem": "add change view", "household": "view", "creditrating": "view", "importjob": "view"},
            "accounts": {"user": "add change view", "bank": "view", "bankbranch": "add change view", "countybank": "change view",
                         "apitoken": "view", "loginattempt": "view"},
        }
        perms = [
            Permission.objects.get(content_type__app_label=app, codename=f"{action}_{model}")
            for app, models in wanted.items() for model, actions in models.items() for action in actions.split()
        ]
        group.permissions.set(perms)
        return group

    def _households(self, county: Region, per_village: int, rng: random.Random):
        today = dt.date.today()
        statuses = [Status.REGISTERED_POOR, Status.REGISTERED_POOR, Status.LIFTED_OUT, Status.MARGINAL, Status.MONITORED]
        seq = 0
        for village in Region.objects.filter(level=Level.VILLAGE, code__startswith=county.code[:6]).order_by("code"):
            for _ in range(per_village):
                seq += 1
                born = demo.birth_date(rng, 25, 62, today)
                head_id = demo.id_number(county.code[:6], born, seq * 2)
                name = demo.person_name(rng)
                h = Household.objects.create(
                    village=village, region_code=village.code, head_name=name, head_id_number=head_id,
                    status=rng.choice(statuses), national_no=f"{county.code[:6]}{seq:06d}", size=3,
                    labour_count=2, phone=f"13{rng.randrange(10**9):09d}", annual_income=Decimal(rng.randrange(8000, 30000)),
                    industry=rng.choice(["生猪养殖", "核桃种植", "茶叶种植", "肉牛养殖", "蔬菜种植", "农家乐"]),
                    address=f"{village.name}{rng.randrange(1, 9)}组",
                )
                Member.objects.create(household=h, name=name, id_number=head_id, relation=Relation.HEAD, phone=h.phone)
                spouse_born = demo.birth_date(rng, 25, 60, today)
                Member.objects.create(household=h, name=demo.person_name(rng), relation=Relation.SPOUSE,
                                      id_number=demo.id_number(county.code[:6], spouse_born, seq * 2 + 1))
                child_born = demo.birth_date(rng, 5, 16, today)
                Member.objects.create(household=h, name=name[0] + demo.person_name(rng)[1:], relation=Relation.CHILD,
                                      labour_capacity=LabourCapacity.STUDENT,
                                      id_number=demo.id_number(county.code[:6], child_born, seq * 2 + 500))
