"""Pure validation of household data; used by forms, the API and the bulk importer alike.
Returns {field: [code, ...]}; codes render through apps.core.messages."""
import calendar
import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from apps.core import idnumber
from apps.core.dates import add_months

from .models import LabourCapacity, Relation, Status

PHONE_RE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")
STATUS_VALUES = {s.value for s in Status}
# Chinese labels accepted in files and forms alongside the codes.
STATUS_BY_LABEL = {
    "建档立卡贫困户": Status.REGISTERED_POOR, "贫困户": Status.REGISTERED_POOR,
    "已脱贫户": Status.LIFTED_OUT, "脱贫户": Status.LIFTED_OUT,
    "边缘易致贫户": Status.MARGINAL, "边缘户": Status.MARGINAL,
    "监测对象": Status.MONITORED, "返贫监测对象": Status.MONITORED,
    "非建档立卡户": Status.NOT_REGISTERED, "未登记": Status.NOT_REGISTERED,
}
RELATION_BY_LABEL = {
    "户主": Relation.HEAD, "配偶": Relation.SPOUSE, "子女": Relation.CHILD, "之子": Relation.CHILD, "之女": Relation.CHILD,
    "父母": Relation.PARENT, "之父": Relation.PARENT, "之母": Relation.PARENT, "孙子女": Relation.GRANDCHILD,
    "兄弟姐妹": Relation.SIBLING, "儿媳": Relation.CHILD_IN_LAW, "女婿": Relation.CHILD_IN_LAW, "其他": Relation.OTHER,
}
LABOUR_BY_LABEL = {
    "普通劳动力": LabourCapacity.FULL, "有劳动力": LabourCapacity.FULL, "技能劳动力": LabourCapacity.FULL,
    "弱劳动力": LabourCapacity.PARTIAL, "弱劳动力或半劳动力": LabourCapacity.PARTIAL, "半劳动力": LabourCapacity.PARTIAL,
    "无劳动力": LabourCapacity.NONE, "丧失劳动力": LabourCapacity.NONE, "在校生": LabourCapacity.STUDENT,
}


def parse_choice(value, values: set, labels: dict) -> str | None:
    text = str(value or "").strip()
    if text in values:
        return text
    return labels.get(text)


def parse_status(value) -> str | None:
    return parse_choice(value, STATUS_VALUES, STATUS_BY_LABEL)


def id_problems(raw, today: dt.date | None = None) -> list[str]:
    return idnumber.problems(str(raw or ""), today)


def phone_problems(raw) -> list[str]:
    text = str(raw or "").strip()
    return [] if not text or PHONE_RE.match(text) else ["household_phone_bad"]


def parse_count(raw) -> int | None:
    if raw in (None, ""):
        return None
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValueError(raw) from None
    if value != value.to_integral_value() or value < 0 or value > 99:
        raise ValueError(raw)
    return int(value)


def parse_amount(raw) -> Decimal | None:
    if raw in (None, ""):
        return None
    try:
        value = Decimal(str(raw).replace(",", "").strip())
    except InvalidOperation:
        raise ValueError(raw) from None
    if not value.is_finite() or value < 0 or value >= Decimal("1e12"):
        raise ValueError(raw)
    return value.quantize(Decimal("0.01"))


def household_problems(*, head_name: str, head_id_number: str, status: str | None, phone: str = "",
                       size: int | None = 1, labour_count: int | None = 0, today: dt.date | None = None) -> dict:
    """Field-level problems of a household's own data (not uniqueness, not scope: those need the DB)."""
    out: dict[str, list[str]] = {}
    if not (head_name or "").strip():
        out["head_name"] = ["household_field_missing"]
    if codes := id_problems(head_id_number, today):
        out["head_id_number"] = codes
    if status is None:
        out["status"] = ["household_status_unknown"]
    if codes := phone_problems(phone):
        out["phone"] = codes
    if size is not None and labour_count is not None and labour_count > size:
        out["labour_count"] = ["household_labour_exceeds_size"]
    return out


def rating_total(item_scores: dict, items: list[tuple[str, Decimal]]) -> tuple[Decimal, dict]:
    """Sum of item scores, each within 0..max; returns (total, {code: [problem]})."""
    total, problems = Decimal("0"), {}
    for code, max_points in items:
        raw = item_scores.get(code)
        try:
            value = Decimal(str(raw))
        except (InvalidOperation, TypeError):
            problems[code] = ["rating_item_missing"]
            continue
        if value < 0 or value > max_points:
            problems[code] = ["rating_item_out_of_range"]
            continue
        total += value
    return total, problems


def rerating_due_on(rated_on: dt.date, months: int) -> dt.date:
    """The day a rating must be renewed: `months` (the county's re-rating interval) after it was made. On that day
    and after it the rating has expired."""
    return add_months(rated_on, months)


def rating_due_cutoff(today: dt.date, months: int) -> dt.date:
    """The latest rating day whose re-rating is due by `today`: rated_on <= cutoff ⟺ rerating_due_on(rated_on) <= today,
    month ends included (rated 2024-02-29 with 12 months is due on 2025-02-28)."""
    cutoff = add_months(today, -months)
    if today.day == calendar.monthrange(today.year, today.month)[1]:  # clamped days of the earlier month also land here
        cutoff = cutoff.replace(day=calendar.monthrange(cutoff.year, cutoff.month)[1])
    return cutoff
