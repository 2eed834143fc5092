"""Fictional delinquent taxpayers for the demo and the benchmarks: common Japanese names,
Saitama addresses, the usual municipal tax types, and phone numbers drawn from patterns.

Everything is drawn from the `random.Random` passed in, so a seed gives the same people.
The phone numbers are random digits in real number ranges (they must parse as valid
numbers): demo data is for a sandbox SMS provider, never for a live one.
"""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

SURNAMES = [
    ("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("田中", "タナカ"), ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"), ("山本", "ヤマモト"), ("中村", "ナカムラ"), ("小林", "コバヤシ"),
    ("加藤", "カトウ"),
    ("吉田", "ヨシダ"), ("山田", "ヤマダ"), ("佐々木", "ササキ"), ("山口", "ヤマグチ"), ("松本", "マツモト"),
    ("井上", "イノウエ"), ("木村", "キムラ"), ("林", "ハヤシ"), ("斎藤", "サイトウ"), ("清水", "シミズ"),
    ("山崎", "ヤマザキ"), ("森", "モリ"), ("池田", "イケダ"), ("橋本", "ハシモト"), ("阿部", "アベ"),
    ("石川", "イシカワ"), ("山下", "ヤマシタ"), ("中島", "ナカジマ"), ("石井", "イシイ"), ("小川", "オガワ"),
    ("前田", "マエダ"), ("岡田", "オカダ"), ("長谷川", "ハセガワ"), ("藤田", "フジタ"), ("後藤", "ゴトウ"),
    ("近藤", "コンドウ"), ("村上", "ムラカミ"), ("遠藤", "エンドウ"), ("青木", "アオキ"),
    ("坂本", "サカモト"),
]
GIVEN_NAMES = [
    ("太郎", "タロウ"), ("健太", "ケンタ"), ("翔太", "ショウタ"), ("大輔", "ダイスケ"), ("拓也", "タクヤ"),
    ("直樹", "ナオキ"), ("誠", "マコト"), ("浩", "ヒロシ"), ("隆", "タカシ"), ("修", "オサム"),
    ("蓮", "レン"), ("悠真", "ユウマ"), ("和夫", "カズオ"), ("茂", "シゲル"), ("清", "キヨシ"),
    ("花子", "ハナコ"), ("陽子", "ヨウコ"), ("恵子", "ケイコ"), ("裕子", "ユウコ"), ("美咲", "ミサキ"),
    ("愛", "アイ"), ("直美", "ナオミ"), ("由美", "ユミ"), ("久美子", "クミコ"), ("さくら", "サクラ"),
    ("結衣", "ユイ"), ("真由美", "マユミ"), ("明美", "アケミ"), ("智子", "トモコ"), ("幸子", "サチコ"),
]
TOWNS = {
    "三郷市": ["早稲田", "中央", "彦成", "高州", "戸ケ崎", "谷口", "鷹野"],
    "越谷市": ["南越谷", "千間台東", "蒲生", "大沢", "越ヶ谷"],
    "草加市": ["高砂", "谷塚", "松原", "青柳", "氷川町"],
    "八潮市": ["中央", "大瀬", "垳", "伊草"],
    "吉川市": ["保", "きよみ野", "美南", "木売"],
    "川口市": ["本町", "芝", "西川口", "戸塚", "安行"],
    "さいたま市浦和区": ["高砂", "常盤", "岸町", "領家"],
}
CITIES = list(TOWNS)

TAX_TYPES = ["住民税", "固定資産税", "軽自動車税", "国民健康保険税"]
WATER_TYPES = ["水道料金"]
FISCAL_YEARS = [2022, 2023, 2024, 2025]
# (lowest, highest) yen owed per tax type and year; due month/day of the first instalment.
AMOUNTS = {
    "住民税": (8_000, 320_000), "固定資産税": (15_000, 480_000), "軽自動車税": (7_200, 10_800),
    "国民健康保険税": (12_000, 360_000), "水道料金": (2_500, 38_000),
}
DUE = {"住民税": (6, 30), "固定資産税": (4, 30), "軽自動車税": (5, 31), "国民健康保険税": (7, 31)}

# National number patterns; the leading digits decide the kind (phonenumbers confirms it).
MOBILE_PREFIXES = ["090", "080", "070"]
FIXED_PREFIX = "048"  # Saitama's area code


@dataclass
class FakePhone:
    national: str  # e.g. 090-1234-5678
    consent: bool
    consent_on: date | None


@dataclass
class FakeCharge:
    tax_type: str
    fiscal_year: int
    amount_due: int
    due_date: date


@dataclass
class FakeCase:
    name: str
    name_kana: str
    address: str
    phones: list[FakePhone] = field(default_factory=list)
    charges: list[FakeCharge] = field(default_factory=list)
    promise_broken: bool = False

    @property
    def balance(self) -> int:
        return sum(c.amount_due for c in self.charges)

    @property
    def oldest_due_date(self) -> date | None:
        return min((c.due_date for c in self.charges), default=None)


def _mobile(rng: random.Random) -> str:
    return f"{rng.choice(MOBILE_PREFIXES)}-{rng.randrange(1000, 10000)}-{rng.randrange(10000):04d}"


def _fixed(rng: random.Random) -> str:
    # 048-2xx..9xx-xxxx: Saitama subscriber numbers start 2-9; 555 is kept for the departments.
    exchange = rng.randrange(200, 1000)
    if exchange == 555:
        exchange = 556
    return f"{FIXED_PREFIX}-{exchange}-{rng.randrange(10000):04d}"


def fake_phones(rng: random.Random) -> list[FakePhone]:
    """Most people give a mobile with consent; some a landline; some refuse consent; a few two."""
    roll = rng.random()
    consent_on = date(2024, 4, 1) + timedelta(days=rng.randrange(700))
    if roll < 0.70:
        phones = [FakePhone(_mobile(rng), True, consent_on)]
    elif roll < 0.82:
        phones = [FakePhone(_mobile(rng), False, None)]
    else:
        phones = [FakePhone(_fixed(rng), False, None)]
    if rng.random() < 0.18:  # a second number: a landline next to a mobile, or the reverse
        first_is_mobile = phones[0].national[:3] in MOBILE_PREFIXES
        second = _fixed(rng) if first_is_mobile else _mobile(rng)
        with_consent = not first_is_mobile and rng.random() < 0.6
        phones.append(FakePhone(second, with_consent, consent_on if with_consent else None))
    return phones


def fake_charges(rng: random.Random, tax_types: list[str]) -> list[FakeCharge]:
    """One to three distinct (tax type, fiscal year) debts."""
    pairs = {(rng.choice(tax_types), rng.choice(FISCAL_YEARS)) for _ in range(rng.choice((1, 1, 2, 3)))}
    charges = []
    for tax_type, year in sorted(pairs):
        low, high = AMOUNTS[tax_type]
        amount = rng.randrange(low, high + 1) // 100 * 100
        if tax_type in DUE:
            month, day = DUE[tax_type]
            due = date(year, month, day)
        else:  # water bills fall due every other month
            due = date(year, rng.choice((5, 7, 9, 11)), 28)
        charges.append(FakeCharge(tax_type, year, amount, due))
    return charges


def fake_case(rng: random.Random, tax_types: list[str]) -> FakeCase:
    surname, surname_kana = rng.choice(SURNAMES)
    given, given_kana = rng.choice(GIVEN_NAMES)
    city = rng.choice(CITIES)
    address = (
        f"埼玉県{city}{rng.choice(TOWNS[city])}{rng.randrange(1, 8)}-{rng.randrange(1, 30)}"
        f"-{rng.randrange(1, 20)}"
    )
    return FakeCase(
        name=f"{surname} {given}", name_kana=f"{surname_kana} {given_kana}", address=address,
        phones=fake_phones(rng), charges=fake_charges(rng, tax_types),
        promise_broken=rng.random() < 0.03,
    )
