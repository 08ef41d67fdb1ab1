"""The scheduled work (DESIGN §8): set-based SQL over all loans, idempotent (a second run for the same day
changes nothing and notifies no one twice) and catching up (days missed while no worker ran are done in
order, each as of its own day). Tasks in tasks.py only call `run_due(today)`."""
import datetime as dt
import logging
import time
from collections import defaultdict
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, DateField, Exists, ExpressionWrapper, F, OuterRef, Q
from django.db.models.functions import Substr
from django.utils.translation import gettext as _

from apps.accounts.models import Bank, User
from apps.accounts.notifications import notify
from apps.accounts.roles import Role
from apps.core.db import no_nested_loops, refresh_statistics
from apps.loans.models import ACTIVE_STATES, Loan, LoanState, OverdueMark, PublicNotice
from apps.regions.models import Level, Region
from apps.regions.selectors import policies_in_force

from . import policy
from .models import BulletinRow, CollectionNotice, InspectionSchedule, JobRun

logger = logging.getLogger(__name__)
DAILY = ["overdue_marking", "collection_notices", "inspection_scheduling", "disbursement_alerts", "notice_closing", "bulletin"]
MAX_CATCH_UP_DAYS = 62
ACTIVE = tuple(str(s) for s in ACTIVE_STATES)
# After changing more rows than this, a job refreshes the planner's statistics before its next query: a plan made
# on figures from before (say, "no loan is overdue") can turn a seconds-long anti-join into an hours-long one.
BULK_CHANGE = 10_000


def _users_by_region(role: str, codes) -> dict[str, list[User]]:
    out = defaultdict(list)
    for user in User.objects.filter(role=role, is_active=True, region__code__in=list(codes)).select_related("region"):
        out[user.region.code].append(user)
    return out


def _digest(role: str, counts_by_code: dict[str, int], key: str, title: str, link: str, channels=("inapp",)) -> int:
    """One notification per user and day, summing what lies in the user's area (village or township or county)."""
    sent = 0
    users = User.objects.filter(role=role, is_active=True, region__isnull=False).select_related("region")
    for user in users:
        prefix = user.scope_prefix or ""
        n = sum(v for code, v in counts_by_code.items() if code.startswith(prefix))
        if n and notify(user, key=key, title=title % {"n": n}, link=link, channels=channels):
            sent += 1
    return sent


# --- daily jobs: each takes the day it works for -----------------------------------------------------------------

def overdue_marking(day: dt.date) -> dict:
    """Principal unpaid after maturity: an OverdueMark (since = maturity + 1) for each loan not yet marked; marks
    that no longer hold are removed. One INSERT … SELECT and one DELETE over all loans."""
    unmarked = (Loan.objects.filter(state__in=ACTIVE_STATES, maturity_on__lt=day, principal_repaid__lt=F("principal"),
                                    overdue_mark__isnull=True)
                .annotate(since=ExpressionWrapper(F("maturity_on") + dt.timedelta(days=1), output_field=DateField()))
                .order_by().values("id", "since"))
    select_sql, params = unmarked.query.sql_with_params()
    with no_nested_loops(), connection.cursor() as cur:
        cur.execute(f"INSERT INTO {OverdueMark._meta.db_table} (loan_id, since) SELECT q.id, q.since FROM ({select_sql}) q", params)
        marked = max(cur.rowcount, 0)
    cleared, _by_model = OverdueMark.objects.filter(~Q(loan__state__in=ACTIVE_STATES) | Q(loan__maturity_on__gte=day)).delete()
    if marked + cleared > BULK_CHANGE:
        refresh_statistics(OverdueMark._meta.db_table)  # the notices' join is planned on these figures next
    new = dict(Loan.objects.filter(overdue_mark__since=day).values_list("region_code").annotate(n=Count("id")))
    _digest(Role.VILLAGE_MEMBER, new, f"overdue:{day}", _("%(n)d loans became overdue today: issue overdue notices."), "/loans/?overdue=1",
            channels=("inapp", "sms"))
    return {"marked": marked, "cleared": cleared}


def collection_notices(day: dt.date) -> dict:
    """Due notices N days before maturity (N per county), once per maturity; overdue notices once per maturity."""
    created = 0
    for county, pol in policies_in_force("", day).items():
        n = pol.due_reminder_days
        loans = Loan.objects.filter(region_code__startswith=county[:6], state__in=ACTIVE_STATES,
                                    maturity_on__gte=day, maturity_on__lte=day + dt.timedelta(days=n))
        created += _insert_notices(loans, CollectionNotice.Kind.DUE, day)
    if created > BULK_CHANGE:
        refresh_statistics(CollectionNotice._meta.db_table)
    # Overdue notices do not depend on county settings: one statement for all counties.
    created += _insert_notices(Loan.objects.filter(state__in=ACTIVE_STATES, overdue_mark__since__lte=day),
                               CollectionNotice.Kind.OVERDUE, day)
    fresh = dict(CollectionNotice.objects.filter(issued_on=day).values_list("region_code").annotate(n=Count("id")))
    _digest(Role.VILLAGE_MEMBER, fresh, f"notices:{day}", _("%(n)d collection notices to deliver and have signed."), "/postloan/notices/")
    return {"created": created}


def _insert_notices(loans, kind, day) -> int:
    """INSERT … SELECT of one notice per loan and maturity. Loans that have theirs already (most of them, every day
    after the first) are skipped by an anti-join, which is far cheaper than letting each collide with the unique
    constraint; the constraint still settles a race with a concurrent run."""
    has_notice = CollectionNotice.objects.filter(loan=OuterRef("pk"), kind=kind, maturity_on=OuterRef("maturity_on"))
    loans = loans.exclude(Exists(has_notice)).order_by()
    select_sql, params = loans.values("id", "region_code", "maturity_on").query.sql_with_params()
    verb, tail = ("INSERT", "ON CONFLICT DO NOTHING") if connection.vendor == "postgresql" else ("INSERT OR IGNORE", "")
    with no_nested_loops(), connection.cursor() as cur:
        cur.execute(
            f"""{verb} INTO postloan_collectionnotice (loan_id, region_code, maturity_on, kind, issued_on, receipt_signer)
                SELECT q.id, q.region_code, q.maturity_on, %s, %s, '' FROM ({select_sql}) q {tail}""",
            [kind, day, *params],
        )
        return max(cur.rowcount, 0)


def inspection_scheduling(day: dt.date) -> dict:
    """Put newly disbursed loans on the cadence, take closed ones off, and flag inspections overdue."""
    # Counties grouped by their "first inspection within N months" setting: one statement per distinct N.
    counties_by_months = defaultdict(list)
    for county, pol in policies_in_force("", day).items():
        counties_by_months[pol.first_inspection_months].append(county[:6])
    with no_nested_loops(), connection.cursor() as cur:
        added = 0
        for first_months, counties in counties_by_months.items():
            if connection.vendor == "postgresql":
                cur.execute(
                    f"""INSERT INTO postloan_inspectionschedule (loan_id, region_code, next_due_on, problem_open, active)
                        SELECT l.id, l.region_code, (l.disbursed_on + make_interval(months => %s))::date, false, true
                        FROM loans_loan l
                        WHERE l.state IN {ACTIVE} AND l.disbursed_on IS NOT NULL AND l.disbursed_on <= %s
                          AND left(l.region_code, 6) = ANY(%s)
                          AND NOT EXISTS (SELECT 1 FROM postloan_inspectionschedule s WHERE s.loan_id = l.id)""",
                    [first_months, day, counties],
                )
                added += cur.rowcount
            else:
                q = Q()
                for county in counties:
                    q |= Q(region_code__startswith=county)
                for loan_id, code, disbursed_on in Loan.objects.filter(q, state__in=ACTIVE_STATES, disbursed_on__lte=day,
                                                                        inspection_schedule__isnull=True).values_list(
                                                                            "id", "region_code", "disbursed_on"):
                    InspectionSchedule.objects.create(loan_id=loan_id, region_code=code,
                                                      next_due_on=policy.first_inspection_due(disbursed_on, first_months))
                    added += 1
        cur.execute(
            f"""UPDATE postloan_inspectionschedule SET active = false
                WHERE active AND loan_id IN (SELECT id FROM loans_loan WHERE state NOT IN {ACTIVE})"""
        )
        removed = cur.rowcount
    overdue = dict(InspectionSchedule.objects.filter(active=True, next_due_on__lt=day).values_list("region_code")
                   .annotate(n=Count("id")))
    _digest(Role.VILLAGE_MEMBER, overdue, f"inspections-overdue:{day}", _("%(n)d post-loan inspections are overdue."),
            "/postloan/tasks/#inspections")
    return {"added": added, "removed": removed, "overdue": sum(overdue.values())}


def disbursement_alerts(day: dt.date) -> dict:
    late = dict(Loan.objects.filter(state=LoanState.CONTRACTED, disburse_by__lt=day).values_list("region_code")
                .annotate(n=Count("id")))
    sent = _digest(Role.COUNTY_OFFICER, late, f"late-disbursement:{day}", _("%(n)d contracts are past their disbursement deadline."),
                   "/approvals/queue/")
    for bank_user in User.objects.filter(role=Role.BANK_OFFICER, is_active=True, bank__isnull=False):
        n = Loan.objects.visible_to(bank_user).filter(state=LoanState.CONTRACTED, disburse_by__lt=day).count()
        if n:
            notify(bank_user, key=f"late-disbursement:{day}", title=_("%(n)d contracts are past their disbursement deadline.") % {"n": n},
                   link="/approvals/queue/")
            sent += 1
    return {"late": sum(late.values()), "notified": sent}


def notice_closing(day: dt.date) -> dict:
    return {"closed": PublicNotice.objects.filter(closed_on__isnull=True, ends_on__lt=day).update(closed_on=day)}


def bulletin(day: dt.date) -> dict:
    """The day's figures as of that day (repayments up to it), per county, township, bank, and bank within township."""
    rows = []
    for county, pol in policies_in_force("", day).items():
        red = (pol.overdue_red_line * 100).quantize(Decimal("0.01"))
        groups = _bulletin_groups(county, day, pol.due_reminder_days)
        for (group, key, label, code, bank_id), f in groups.items():
            rows.append(BulletinRow(
                day=day, county_code=county, group=group, key=key, label=label, region_code=code, bank_id=bank_id, loans=f["loans"],
                balance=f["balance"], overdue_count=f["overdue_count"], overdue_amount=f["overdue_amount"],
                overdue_rate=policy.overdue_rate(f["overdue_amount"], f["balance"]), red_line=red, new_overdue=f["new_overdue"],
                maturing_soon=f["maturing_soon"], inspections_overdue=f["inspections_overdue"],
                late_disbursements=f["late_disbursements"],
            ))
    with transaction.atomic():
        BulletinRow.objects.filter(day=day).delete()
        BulletinRow.objects.bulk_create(rows, batch_size=2000)
    return {"rows": len(rows)}


def _bulletin_groups(county: str, day: dt.date, window: int) -> dict:
    """One aggregate query per county: balances as of `day`, grouped by township and bank; county, township and
    bank rows are sums of those groups. The balance as of `day` is today's (principal − principal_repaid, which
    the repayment service keeps equal to the sum of repayments) plus the principal repaid after `day`: only a
    catch-up day has any, so no per-loan sum over all repayments is needed."""
    prefix = county[:6]
    soon = day + dt.timedelta(days=window)
    yesterday = day - dt.timedelta(days=1)
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT substr(x.region_code, 1, 9), x.bank_id, count(*), sum(x.bal),
                   sum(CASE WHEN x.maturity_on < %(day)s THEN 1 ELSE 0 END),
                   sum(CASE WHEN x.maturity_on < %(day)s THEN x.bal ELSE 0 END),
                   sum(CASE WHEN x.maturity_on = %(yesterday)s THEN 1 ELSE 0 END),
                   sum(CASE WHEN x.maturity_on >= %(day)s AND x.maturity_on <= %(soon)s THEN 1 ELSE 0 END)
            FROM (
                SELECT l.region_code, l.bank_id, l.maturity_on,
                       l.principal - l.principal_repaid + COALESCE(later.principal, 0) AS bal
                FROM loans_loan l
                LEFT JOIN (SELECT r.loan_id, sum(r.principal) AS principal FROM loans_repayment r
                           WHERE r.paid_on > %(day)s AND r.region_code LIKE %(prefix)s GROUP BY r.loan_id) later
                       ON later.loan_id = l.id
                WHERE l.region_code LIKE %(prefix)s AND l.disbursed_on <= %(day)s
                  AND (l.settled_on IS NULL OR l.settled_on > %(day)s)
            ) x
            WHERE x.bal > 0
            GROUP BY substr(x.region_code, 1, 9), x.bank_id
            """,
            {"day": day, "yesterday": yesterday, "soon": soon, "prefix": prefix + "%"},
        )
        facts = cur.fetchall()
    townships = dict(Region.objects.filter(level=Level.TOWNSHIP, code__startswith=prefix).values_list("code", "name"))
    banks = dict(Bank.objects.values_list("id", "name"))
    county_name = Region.objects.filter(code=county).values_list("name", flat=True).first() or county
    groups: dict = {}

    def keys(town9, bank_id):
        """The rows a group of loans adds to: (group, key, label, region code, bank routed to). A bank's rows are
        routed to it (visible_to); its township rows serve its officers placed in a township, who may not read the
        figures of the county's other townships."""
        town = town9 + "000"
        town_name, bank_name = townships.get(town, town), banks.get(bank_id, str(bank_id))
        return [("county", county, county_name, county, None), ("township", town, town_name, town, None),
                ("bank", str(bank_id), bank_name, county, bank_id),
                ("township_bank", f"{town}:{bank_id}", f"{town_name}·{bank_name}", town, bank_id)]

    def bucket(k):
        return groups.setdefault(k, {"loans": 0, "balance": Decimal("0"), "overdue_count": 0, "overdue_amount": Decimal("0"),
                                     "new_overdue": 0, "maturing_soon": 0, "inspections_overdue": 0, "late_disbursements": 0})

    for town9, bank_id, n, bal, od_n, od_amt, new_od, soon_n in facts:
        for k in keys(town9, bank_id):
            b = bucket(k)
            b["loans"] += n
            b["balance"] += Decimal(bal or 0)
            b["overdue_count"] += od_n or 0
            b["overdue_amount"] += Decimal(od_amt or 0)
            b["new_overdue"] += new_od or 0
            b["maturing_soon"] += soon_n or 0
    late = (Loan.objects.filter(region_code__startswith=prefix, state=LoanState.CONTRACTED, disburse_by__lt=day)
            .annotate(town=Substr("region_code", 1, 9)).values("town", "bank_id").annotate(n=Count("id")))
    for row in late:
        for k in keys(row["town"], row["bank_id"]):
            bucket(k)["late_disbursements"] += row["n"]
    insp = (InspectionSchedule.objects.filter(region_code__startswith=prefix, active=True, next_due_on__lt=day)
            .annotate(town=Substr("region_code", 1, 9)).values("town", "loan__bank_id").annotate(n=Count("id")))
    for row in insp:
        for k in keys(row["town"], row["loan__bank_id"]):
            bucket(k)["inspections_overdue"] += row["n"]
    return groups


JOBS = {name: globals()[name] for name in DAILY}


def run_day(day: dt.date) -> dict:
    """Run every daily job not yet done for `day`, in order; a job done already is skipped."""
    done = set(JobRun.objects.filter(day=day).values_list("job", flat=True))
    results = {}
    for name in DAILY:
        if name in done:
            continue
        started = time.monotonic()
        with transaction.atomic():
            result = JOBS[name](day)
            run = JobRun.objects.create(job=name, day=day, result=result)
        # Shown in the admin's job ledger; measured after COMMIT, which checks the deferred foreign keys of every row.
        result["seconds"] = round(time.monotonic() - started, 2)
        JobRun.objects.filter(pk=run.pk).update(result=result)
        results[name] = result
    return results


def run_due(today: dt.date) -> dict:
    """Catch up: every day after the last fully processed one, up to today (at most MAX_CATCH_UP_DAYS back)."""
    last = JobRun.objects.filter(job=DAILY[-1]).order_by("-day").values_list("day", flat=True).first()
    start = today if last is None else max(last + dt.timedelta(days=1), today - dt.timedelta(days=MAX_CATCH_UP_DAYS))
    if last is not None and last >= today:
        start = today  # today's jobs may be partly done: run_day skips the finished ones
    out = {}
    day = start
    while day <= today:
        out[day.isoformat()] = run_day(day)
        day += dt.timedelta(days=1)
    return out
