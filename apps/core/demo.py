"""Deterministic generators of realistic demo people: Chinese names and valid ID numbers."""
import datetime as dt
import random

from .idnumber import check_digit

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "建国华明伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛超明霞平刚桂英文辉玉兰红梅春花德福贵生海燕志强玲金凤永红小龙云秀成林光荣"


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def id_number(area6: str, born: dt.date, seq: int) -> str:
    """A valid 18-digit ID: 6-digit area, birth date, 3-digit sequence, check digit."""
    first17 = f"{area6}{born:%Y%m%d}{seq % 1000:03d}"
    return first17 + check_digit(first17)


def birth_date(rng: random.Random, min_age: int, max_age: int, today: dt.date) -> dt.date:
    start = dt.date(today.year - max_age, 1, 1)
    end = dt.date(today.year - min_age, 12, 31)
    return start + dt.timedelta(days=rng.randrange((end - start).days))
