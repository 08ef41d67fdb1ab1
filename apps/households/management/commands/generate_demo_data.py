"""A province-sized demo register, fast: its own province (45 广西壮族自治区, clear of the demo counties 51, 53 and
61), prefectures, counties, townships and villages; households with members (valid ID numbers), statuses and
some credit ratings; a supervisor for the province and an officer per county.

PostgreSQL: COPY (psycopg2 copy_expert) in batches, ids reserved up front — a million households in a couple of
minutes. Other databases: bulk_create. Re-runnable: with the data present it does nothing; --reset first
deletes this province's households (and their members, ratings and events) and nothing else."""
import datetime as dt
import io
import itertools
import json
import math
import queue
import random
import threading
import time
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.core import demo
from apps.core.db import refresh_statistics
from apps.households.models import CreditRating, Household, LabourCapacity, Member, Relation, Status
from apps.regions.models import Level, Region

PROVINCE = "45"
PROVINCE_NAME = "广西壮族自治区"
PREFECTURES = ["南宁市", "柳州市", "桂林市", "梧州市", "北海市", "防城港市", "钦州市", "贵港市", "玉林市", "百色市", "贺州市",
               "河池市", "来宾市", "崇左市"]
COUNTIES_PER_PREFECTURE = 8
TOWNSHIPS_PER_COUNTY = 12
VILLAGES_PER_TOWNSHIP = 15
SYLLABLES = "安平宁福德东西南北上下新中长兴隆龙凤马石田山河江湖水林木金银白红青黄云华太永和富贵昌盛合乐丰泰康利"
STATUSES = [(Status.REGISTERED_POOR, 40), (Status.LIFTED_OUT, 35), (Status.MARGINAL, 12), (Status.MONITORED, 10),
            (Status.NOT_REGISTERED, 3)]
INDUSTRIES = ["甘蔗种植", "水稻种植", "柑橘种植", "生猪养殖", "肉牛养殖", "桑蚕养殖", "茶叶种植", "百香果种植", "农家乐", "务工"]
PASSWORD = "Demo@2026"
BATCH = 50_000


def _name(rng: random.Random, suffix: str) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(2)) + suffix


_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def _weighted(digits: str, offset: int) -> int:
    """Part of the GB 11643 check sum for the digits at positions offset.. of the 17."""
    return sum(int(c) * w for c, w in zip(digits, _WEIGHTS[offset:offset + len(digits)], strict=True))


def _esc(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, str):
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            value = value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
        return value
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return _esc(json.dumps(value, ensure_ascii=False))
    return str(value)


class _Copier:
    """COPY rows of a model: the given columns, and every other column at its field default."""

    def __init__(self, model, columns: list[str]):
        self.model, self.columns = model, columns
        extra_cols, extra_vals = [], []
        for f in model._meta.concrete_fields:
            if f.attname in columns or f.primary_key:
                continue
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = timezone.now()
            else:
                value = f.get_default()  # "" for text fields without a default, None otherwise
            if value is None and not f.null:
                raise CommandError(f"{model.__name__}.{f.name} needs a value in generate_demo_data")
            extra_cols.append(f.column)
            extra_vals.append(_esc(f.get_db_prep_save(value, connection) if isinstance(value, Decimal) else value))
        self.db_columns = [model._meta.get_field(c).column if c != "id" else "id" for c in columns] + extra_cols
        self.suffix = ("\t" + "\t".join(extra_vals)) if extra_vals else ""

    def copy_buffer(self, cursor, buf: io.StringIO):
        """COPY lines already written: tab-separated, the given columns, then `suffix`."""
        buf.seek(0)
        cols = ", ".join(connection.ops.quote_name(c) for c in self.db_columns)
        cursor.copy_expert(f"COPY {self.model._meta.db_table} ({cols}) FROM STDIN", buf)


class Command(BaseCommand):
    help = "Generate a province-sized demo register (households, members, ratings) under province 45, fast."

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, required=True)
        parser.add_argument("--counties", type=int, default=None, help="default: one per 20,000 households (1–100)")
        parser.add_argument("--seed", type=int, default=45)
        parser.add_argument("--reset", action="store_true", help="delete this province's households first (only those)")

    def handle(self, households, counties, seed, reset, **opts):
        if households < 0:
            raise CommandError("--households must be ≥ 0")
        counties = counties or max(1, min(100, households // 20_000))
        if not 1 <= counties <= COUNTIES_PER_PREFECTURE * len(PREFECTURES):
            raise CommandError(f"--counties must be between 1 and {COUNTIES_PER_PREFECTURE * len(PREFECTURES)}")
        started = time.monotonic()
        if reset:
            deleted = self._reset()
            self.stdout.write(f"removed {deleted} households of province {PROVINCE}")
        existing = Household.objects.filter(region_code__startswith=PROVINCE).count()
        if existing:
            if existing >= households:
                self.stdout.write(f"province {PROVINCE} already has {existing} households: nothing to do (use --reset to regenerate)")
                return
            raise CommandError(f"province {PROVINCE} has {existing} households, fewer than {households}: run with --reset")
        rng = random.Random(seed)
        county_regions, villages = self._regions(counties, rng)
        officers = self._users(county_regions)
        self.stdout.write(f"regions ready: {len(county_regions)} counties, {len(villages)} villages "
                          f"({time.monotonic() - started:.1f} s)")
        stats = self._households(households, county_regions, villages, officers, rng)
        refresh_statistics(*(m._meta.db_table for m in (Household, Member, CreditRating)))
        self.stdout.write(self.style.SUCCESS(
            f"generated {stats['households']} households, {stats['members']} members, {stats['ratings']} ratings "
            f"in {time.monotonic() - started:.1f} s"))

    # -- regions and users ---------------------------------------------------------------------------------

    def _regions(self, counties: int, rng: random.Random):
        existing = {r.code: r for r in Region.objects.filter(code__startswith=PROVINCE)}

        def ensure(specs):  # [(code, name, level, parent)]
            new = [Region(code=c, name=n, level=lv, parent=p, first_year=2020) for c, n, lv, p in specs if c not in existing]
            Region.objects.bulk_create(new, batch_size=5000)
            if new:
                existing.update({r.code: r for r in Region.objects.filter(code__in=[r.code for r in new])})
            return [existing[c] for c, *_ in specs]

        province = ensure([(PROVINCE.ljust(12, "0"), PROVINCE_NAME, Level.PROVINCE, None)])[0]
        n_pref = math.ceil(counties / COUNTIES_PER_PREFECTURE)
        prefectures = ensure([(f"{PROVINCE}{p + 1:02d}".ljust(12, "0"), PREFECTURES[p], Level.PREFECTURE, province)
                              for p in range(n_pref)])
        county_specs = []
        for i in range(counties):
            pref = prefectures[i // COUNTIES_PER_PREFECTURE]
            code = f"{pref.code[:4]}{21 + i % COUNTIES_PER_PREFECTURE:02d}".ljust(12, "0")
            county_specs.append((code, _name(rng, "县"), Level.COUNTY, pref))
        county_regions = ensure(county_specs)
        town_specs = [(f"{c.code[:6]}{101 + t:03d}000", _name(rng, "镇"), Level.TOWNSHIP, c)
                      for c in county_regions for t in range(TOWNSHIPS_PER_COUNTY)]
        towns = ensure(town_specs)
        village_specs = [(f"{t.code[:9]}{201 + v:03d}", _name(rng, "村"), Level.VILLAGE, t)
                         for t in towns for v in range(VILLAGES_PER_TOWNSHIP)]
        villages = ensure(village_specs)
        return county_regions, villages

    def _users(self, county_regions) -> dict[str, int]:
        province = Region.objects.get(code=PROVINCE.ljust(12, "0"))
        wanted = [("gx_sheng", Role.SUPERVISOR, province, "广西监管员")]
        wanted += [(f"gx{i + 1:02d}_xian", Role.COUNTY_OFFICER, c, f"{c.name}扶贫办干部") for i, c in enumerate(county_regions)]
        have = set(User.objects.filter(username__in=[w[0] for w in wanted]).values_list("username", flat=True))
        hashed = make_password(PASSWORD)  # once: hashing is slow on purpose
        User.objects.bulk_create([User(username=username, role=role, region=region, real_name=real_name, password=hashed)
                                  for username, role, region, real_name in wanted if username not in have])
        return dict(User.objects.filter(username__in=[w[0] for w in wanted[1:]]).values_list("region__code", "id"))

    # -- households ----------------------------------------------------------------------------------------

    def _people(self, n: int, county_regions, villages, officers, rng: random.Random):
        """Yields (household dict, [member tuples], rating or None), county by county. ID numbers are
        demo.id_number's, with the check-digit sums cached by area, birth date and sequence."""
        today = dt.date.today()
        statuses, weights = zip(*STATUSES, strict=True)
        cum_weights = list(itertools.accumulate(weights))
        by_county: dict[str, list[Region]] = {}
        for v in villages:
            by_county.setdefault(v.code[:6], []).append(v)
        per_county = [n // len(county_regions) + (1 if i < n % len(county_regions) else 0) for i in range(len(county_regions))]
        day_part: dict[int, tuple[str, int]] = {}
        seq_part = [(f"{s:03d}", _weighted(f"{s:03d}", 14)) for s in range(1000)]
        t_ord = today.toordinal()
        randrange, random_, choice = rng.randrange, rng.random, rng.choice
        for county, count in zip(county_regions, per_county, strict=True):
            area = county.code[:6]
            area_sum = _weighted(area, 0)
            seqs: dict[int, int] = {}
            county_villages = by_county[area]
            n_villages = len(county_villages)

            def new_id(min_age, max_age, seqs=seqs, area=area, area_sum=area_sum):
                while True:
                    day = randrange(t_ord - 365 * max_age - 1, t_ord - 365 * min_age)
                    seq = seqs.get(day, 0) + 1
                    if seq < 1000:
                        seqs[day] = seq
                        dp = day_part.get(day)
                        if dp is None:
                            text = dt.date.fromordinal(day).strftime("%Y%m%d")
                            dp = day_part[day] = (text, _weighted(text, 6))
                        digits, seq_sum = seq_part[seq]
                        return f"{area}{dp[0]}{digits}{_CHECK[(area_sum + dp[1] + seq_sum) % 11]}"

            officer = officers.get(county.code)
            for k in range(count):
                village = county_villages[k * n_villages // count]
                head_name = demo.person_name(rng)
                surname = head_name[0]
                members = []
                if random_() < 0.8:
                    members.append((demo.person_name(rng), new_id(23, 65), Relation.SPOUSE, LabourCapacity.FULL))
                for _ in range(choice((0, 1, 1, 2, 2, 3))):
                    child_id = new_id(0, 25)
                    members.append((surname + demo.person_name(rng)[1:], child_id, Relation.CHILD,
                                    LabourCapacity.STUDENT if int(child_id[6:10]) > today.year - 19 else LabourCapacity.FULL))
                if random_() < 0.2:
                    members.append((surname + demo.person_name(rng)[1:], new_id(66, 88), Relation.PARENT,
                                    choice((LabourCapacity.PARTIAL, LabourCapacity.NONE))))
                size = 1 + len(members)
                rated = officer is not None and random_() < 0.3
                if rated:
                    score = Decimal(randrange(450, 960)) / 10
                    grade = "AAA" if score >= 80 else "AA" if score >= 70 else "A" if score >= 60 else ""
                    rated_on = today - dt.timedelta(days=randrange(0, 700))
                else:
                    score, grade, rated_on = None, "", None
                household = (
                    village.id, village.code, head_name, new_id(25, 65),
                    rng.choices(statuses, cum_weights=cum_weights)[0], f"{area}{k + 1:07d}",
                    f"1{choice('3578')}{randrange(10**9):09d}", f"{village.name}{randrange(1, 12)}组", size,
                    min(size, 1 + sum(1 for m in members if m[3] == LabourCapacity.FULL)),
                    Decimal(randrange(300000, 4000000)) / 100, choice(INDUSTRIES), score, grade, rated_on,
                )
                yield household, members, ((rated_on, score, grade, officer) if rated else None)

    H_COLS = ["village_id", "region_code", "head_name", "head_id_number", "status", "national_no", "phone", "address", "size",
              "labour_count", "annual_income", "industry", "credit_score", "credit_grade", "rated_on"]

    def _households(self, n, county_regions, villages, officers, rng):
        stats = {"households": 0, "members": 0, "ratings": 0}
        people = self._people(n, county_regions, villages, officers, rng)
        if connection.vendor == "postgresql":
            self._copy_all(n, people, stats)
        else:
            self._bulk_all(people, stats)
        return stats

    def _copy_all(self, n, people, stats):
        """Python builds the next batch while PostgreSQL loads the previous one (a loader thread on the same,
        otherwise idle, connection). Foreign keys are not re-checked row by row when the role may skip them
        (session_replication_role): the generator only points at rows it has just made."""
        table = Household._meta.db_table
        h_copy = _Copier(Household, ["id", *self.H_COLS])
        m_copy = _Copier(Member, ["household_id", "name", "id_number", "relation", "labour_capacity"])
        r_copy = _Copier(CreditRating, ["household_id", "region_code", "rated_on", "item_scores", "score", "grade", "rated_by_id"])
        h_esc = [_esc] * len(self.H_COLS)
        with transaction.atomic(), connection.cursor() as cur:
            try:
                with transaction.atomic():
                    cur.execute("SET LOCAL session_replication_role = replica")
            except DatabaseError:
                pass
            cur.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
            cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            seq = cur.fetchone()[0]
            cur.execute(f"SELECT GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}), (SELECT last_value FROM {seq}))")
            base = cur.fetchone()[0]
            cur.execute("SELECT setval(%s, %s)", [seq, base + max(n, 1)])
            raw = connection.connection
            work: queue.Queue = queue.Queue(maxsize=2)
            failure: list[BaseException] = []

            def loader():
                with raw.cursor() as c:
                    while (item := work.get()) is not None:
                        if not failure:
                            try:
                                for copier, buf in item:
                                    copier.copy_buffer(c, buf)
                            except BaseException as exc:  # reported by the main thread
                                failure.append(exc)

            thread = threading.Thread(target=loader, daemon=True)
            thread.start()
            next_id = base
            try:
                while not failure:
                    hs, ms, rs = io.StringIO(), io.StringIO(), io.StringIO()
                    h_suffix, m_suffix, r_suffix = h_copy.suffix + "\n", m_copy.suffix + "\n", r_copy.suffix + "\n"
                    count = 0
                    for household, members, rating in people:
                        next_id += 1
                        count += 1
                        hid = str(next_id)
                        hs.write(hid + "\t" + "\t".join([f(v) for f, v in zip(h_esc, household, strict=True)]) + h_suffix)
                        ms.write(f"{hid}\t{household[2]}\t{household[3]}\thead\tfull{m_suffix}")
                        for name, number, relation, labour in members:
                            ms.write(f"{hid}\t{name}\t{number}\t{relation}\t{labour}{m_suffix}")
                            stats["members"] += 1
                        if rating:
                            rs.write(f"{hid}\t{household[1]}\t{rating[0].isoformat()}\t{{}}\t{rating[1]}\t{rating[2]}\t{rating[3]}{r_suffix}")
                            stats["ratings"] += 1
                        if count >= BATCH:
                            break
                    if not count:
                        break
                    stats["households"] += count
                    stats["members"] += count
                    work.put([(h_copy, hs), (m_copy, ms), (r_copy, rs)])
                    if stats["households"] % (BATCH * 4) == 0:
                        self.stdout.write(f"  {stats['households']} households …")
            finally:
                work.put(None)
                thread.join()
            if failure:
                raise failure[0]

    def _bulk_all(self, people, stats):
        with transaction.atomic():
            while True:
                batch = []
                for item in people:
                    batch.append(item)
                    if len(batch) >= 5000:
                        break
                if not batch:
                    break
                objs = Household.objects.bulk_create([Household(**dict(zip(self.H_COLS, h, strict=True))) for h, _m, _r in batch],
                                                     batch_size=1000)
                members, ratings = [], []
                for obj, (h, extra, rating) in zip(objs, batch, strict=True):
                    members.append(Member(household_id=obj.pk, name=h[2], id_number=h[3], relation=Relation.HEAD))
                    members += [Member(household_id=obj.pk, name=a, id_number=b, relation=c, labour_capacity=d) for a, b, c, d in extra]
                    if rating:
                        ratings.append(CreditRating(household_id=obj.pk, region_code=h[1], rated_on=rating[0],
                                                    score=rating[1], grade=rating[2], rated_by_id=rating[3]))
                Member.objects.bulk_create(members, batch_size=2000)
                CreditRating.objects.bulk_create(ratings, batch_size=2000)
                stats["households"] += len(objs)
                stats["members"] += len(members)
                stats["ratings"] += len(ratings)

    def _reset(self) -> int:
        """Delete this province's households with what hangs off them (members, ratings, events; rows of other
        apps that point at them go first through Django's cascade when there are any)."""
        qs = Household.objects.filter(region_code__startswith=PROVINCE)
        count = qs.count()
        if not count:
            return 0
        ids_sql = f"SELECT id FROM {Household._meta.db_table} WHERE region_code LIKE %s"
        with transaction.atomic(), connection.cursor() as cur:
            if connection.vendor == "postgresql":
                try:  # the deletes below go children first; no need for row-by-row foreign-key triggers
                    with transaction.atomic():
                        cur.execute("SET LOCAL session_replication_role = replica")
                except DatabaseError:
                    pass
            for rel in Household._meta.related_objects:
                model = rel.related_model
                if model._meta.app_label != "households":
                    if model.objects.filter(**{f"{rel.field.name}__region_code__startswith": PROVINCE}).exists():
                        raise CommandError(f"{model._meta.label} rows point at these households; delete them first")
                    continue
                cur.execute(f"DELETE FROM {model._meta.db_table} WHERE {rel.field.column} IN ({ids_sql})", [PROVINCE + "%"])
            cur.execute(f"DELETE FROM {Household._meta.db_table} WHERE region_code LIKE %s", [PROVINCE + "%"])
        return count
