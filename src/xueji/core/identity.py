"""Identity numbers and 学籍号: normalisation, validation, generation and masking.

Pure Python (no Django, no database) so every layer — forms, API, Excel import — uses the same
checks. Refusals raise :class:`RuleViolation` carrying the rule id from RULES.md.

Region names come from python-stdnum's copy of GB/T 2260 (current and historical revisions).
``region_name`` is the province name followed by the latest name of the city and of the county
(e.g. ``"河南省安阳市北关区"``); placeholder rows such as 市辖区 are left out.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from stdnum import numdb

from xueji.core import codes
from xueji.core.errors import RuleViolation

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
ID_RE = re.compile(r"^[0-9]{17}[0-9X]$")
XJH_RE = re.compile(r"^[GLJ][0-9]{17}[0-9X]$")
# GB 11643's own example 440524188001010014 is born 1880 (the 15→18 upgrade gives centenarians
# "18yy"), so the floor is 1800, not 1900: a valid standard number must not be refused (R6.3).
MIN_BIRTH_DATE = dt.date(1800, 1, 1)
_SHANGHAI = ZoneInfo("Asia/Shanghai")
_CITE = "依据《学籍管理办法》第六条（GB 11643-1999）"
_NO_FALSE_INFO = "（第六条：不得以虚假信息建立学籍）"
# R24.1: residence permits for HK/Macao/Taiwan residents use one fixed region code each.
_PERMIT_KINDS = {"81": "hk", "82": "mo", "83": "tw"}
_PERMIT_NAMES = {"81": "香港特别行政区", "82": "澳门特别行政区", "83": "台湾地区"}


def _is_placeholder(name: str) -> bool:
    # Rows such as 市辖区 or 省直辖县级行政单位 group places but are no place; skip them in names.
    return name in ("市辖区", "县") or "直辖" in name


def _to_ascii(ch: str) -> str:
    # Full-width forms U+FF01..U+FF5E sit exactly 0xFEE0 above their ASCII twins (０→0, Ｘ→X, （→().
    return chr(ord(ch) - 0xFEE0) if "\uff01" <= ch <= "\uff5e" else ch


def normalize_id_number(raw: str) -> str:
    """Remove all whitespace (incl. U+3000), fold full-width characters to ASCII, upper-case (R6.3)."""
    if raw and raw.isascii() and raw.isalnum():  # the usual case: nothing to remove or fold
        return raw.upper()
    return "".join(_to_ascii(ch) for ch in (raw or "") if not ch.isspace()).upper()


def gb11643_check_char(body17: str) -> str:
    """The GB 11643-1999 check character for the first 17 digits of a number."""
    if len(body17) != 17 or not body17.isascii() or not body17.isdigit():
        raise ValueError("body17 must be exactly 17 ASCII digits")
    return _CHECK_CHARS[sum(int(c) * w for c, w in zip(body17, _WEIGHTS, strict=True)) % 11]


@dataclass(frozen=True)
class ResidentId:
    """A validated 18-character resident ID (or HK/Macao/Taiwan residence-permit) number."""

    number: str
    region_code: str
    birth_date: dt.date
    gender: str
    region_name: str | None
    region_known: bool
    kind: str


def _latest_name(text: str | None) -> str | None:
    # "[1983-2019]桥西区,[2020-]信都区": entries are in time order, so the last one is current.
    if not text:
        return None
    return re.sub(r"^\[[^\]]*\]", "", text.split(",")[-1]).strip() or None


@functools.lru_cache(maxsize=4096)
def _county_name(code6: str) -> str | None:
    parts = numdb.get("cn/loc").info(code6)
    return _latest_name(parts[1][1].get("county")) if len(parts) > 1 else None


@functools.lru_cache(maxsize=1)
def province_codes() -> frozenset[str]:
    """Two-digit province codes: those in stdnum's GB/T 2260 list, plus 81/82/83 (R24.1)."""
    db = numdb.get("cn/loc")
    known = {f"{p:02d}" for p in range(10, 100) if "province" in db.info(f"{p:02d}0000")[0][1]}
    return frozenset(known | set(_PERMIT_KINDS))  # 83 (Taiwan residents' permits) is not in the list


@functools.lru_cache(maxsize=4096)
def region_info(code6: str) -> tuple[bool, str | None]:
    """(known, name) for a six-digit region code; known means present in ANY revision (R6.3)."""
    province = code6[:2]
    if province not in province_codes():
        return False, None
    if province in _PERMIT_NAMES:
        return code6 == province + "0000", _PERMIT_NAMES[province]
    province_name = _county_name(province + "0000") or numdb.get("cn/loc").info(code6)[0][1]["province"]
    if code6.endswith("0000"):
        return True, province_name
    city = _county_name(code6[:4] + "00")
    names = [province_name]
    if city and not _is_placeholder(city):
        names.append(city)
    if code6.endswith("00"):
        # City-level codes count as known when the province exists, even if the list lacks them.
        return True, "".join(names)
    county = _county_name(code6)
    if county is None:
        return False, None
    if not _is_placeholder(county) and county != names[-1]:
        names.append(county)
    return True, "".join(names)


def _fail(code: str, message: str, *, field: str = "id_number", rule: str = "R6.3") -> RuleViolation:
    return RuleViolation(rule=rule, code=code, field=field, message=message)


def _cn_date(d: dt.date) -> str:
    return f"{d.year}年{d.month:02d}月{d.day:02d}日"


def _format_problem(number: str) -> str:
    # Say where the input goes wrong without echoing the whole number back (privacy).
    if len(number) != 18:
        return f"应为18位，输入为{len(number)}位"
    for pos, ch in enumerate(number[:17], start=1):
        if not ch.isdigit() or not ch.isascii():
            return f"第{pos}位“{ch}”不是数字（只有最后一位可以是X）"
    return f"最后一位“{number[17]}”应为数字或X"


def parse_resident_id(raw: str, *, today: dt.date | None = None) -> ResidentId:
    """Normalise and validate a resident ID number (R6.3); raises RuleViolation on any defect.

    ``today`` defaults to the date in Asia/Shanghai; callers inside Django pass ``clock.today()``.
    An unknown six-digit region code is not an error: ``region_known`` is False (a warning).
    """
    return _parse_resident_id(normalize_id_number(raw), today or dt.datetime.now(_SHANGHAI).date())


@functools.lru_cache(maxsize=1024)  # a registration checks the same number twice (document, then region)
def _parse_resident_id(number: str, today: dt.date) -> ResidentId:
    if not ID_RE.match(number):
        raise _fail(
            "id_format",
            f"身份证号格式不正确：{_format_problem(number)}。身份证号为18位：17位数字加"
            f"1位数字或X（如 11010519491231002X）。{_CITE}，请对照户口簿核对后重新输入。",
        )
    province = number[:2]
    if province not in province_codes():
        raise _fail(
            "id_province",
            f"身份证号前两位“{province}”不是有效的省级行政区划代码（GB/T 2260）。"
            f"{_CITE}，请对照户口簿核对前六位地址码后重新输入。",
        )
    region = number[:6]
    if province in _PERMIT_KINDS and region != province + "0000":
        # R24.1: permits are issued only with 810000/820000/830000.
        raise _fail(
            "id_province",
            f"港澳台居民居住证号码前六位应为 {province}0000，输入为 {region}。请对照居住证核对后重新输入。",
        )
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise _fail(
            "id_birth_date",
            f"身份证号第7–14位的出生日期“{number[6:14]}”不是真实存在的日期。"
            f"{_CITE}，请对照户口簿核对后重新输入。",
        ) from None
    if birth > today:
        raise _fail(
            "id_birth_date",
            f"身份证号中的出生日期 {_cn_date(birth)} 晚于今天（{_cn_date(today)}）。"
            f"{_CITE}，请对照户口簿核对后重新输入。",
        )
    if birth < MIN_BIRTH_DATE:
        raise _fail(
            "id_birth_date",
            f"身份证号中的出生日期 {_cn_date(birth)} 早于1800年，不可能正确。"
            f"{_CITE}，请对照户口簿核对后重新输入。",
        )
    expected = gb11643_check_char(number[:17])
    if number[17] != expected:
        raise _fail(
            "id_check_char",
            f"身份证号校验位不正确：按 GB 11643-1999 计算应为 {expected}，"
            f"输入为 {number[17]}。请对照户口簿逐位核对。{_NO_FALSE_INFO}",
        )
    known, name = region_info(region)
    return ResidentId(
        number=number,
        region_code=region,
        birth_date=birth,
        gender="1" if int(number[16]) % 2 else "2",  # R6.3: odd 17th digit = male
        region_name=name,
        region_known=known,
        kind=_PERMIT_KINDS.get(province, "resident"),
    )


def check_resident_id_matches(info: ResidentId, *, birth_date: dt.date | None, gender: str | None) -> None:
    """R6.3: the entered birth date and gender must equal those encoded in the number."""
    if birth_date is not None and birth_date != info.birth_date:
        raise _fail(
            "id_birth_mismatch",
            f"出生日期与身份证号不一致：身份证号中为 {_cn_date(info.birth_date)}，"
            f"填写为 {_cn_date(birth_date)}。请对照户口簿核对出生日期或身份证号。"
            f"{_NO_FALSE_INFO}",
            field="birth_date",
        )
    if gender and gender != info.gender:
        raise _fail(
            "id_gender_mismatch",
            f"性别与身份证号不一致：身份证号第17位表示“{gender_label(info.gender)}”，"
            f"填写为“{gender_label(gender) or gender}”。请对照户口簿核对性别或身份证号。"
            f"{_NO_FALSE_INFO}",
            field="gender",
        )


_HKID_RE = re.compile(r"^([A-Z]{1,2})(\d{6})(?:\(([0-9A])\)|([0-9A]))$")


def _hkid_ok(m: re.Match[str]) -> bool:
    # HKID mod 11: letters A..Z = 10..35, a missing second letter counts as a space = 36;
    # weights 9..2 over the 8 characters, and the check (A = 10) brings the sum to 0 mod 11.
    check = m.group(3) or m.group(4)
    letters = m.group(1).rjust(2)
    values = [36 if c == " " else ord(c) - 55 for c in letters] + [int(c) for c in m.group(2)]
    total = sum(v * w for v, w in zip(values, range(9, 1, -1), strict=True))
    return (total + (10 if check == "A" else int(check))) % 11 == 0


# id_type → (pattern of accepted formats, Chinese description with an example) for R24.1.
_DOC_FORMATS: dict[str, tuple[re.Pattern[str], str]] = {
    "C": (
        re.compile(r"^8[123]0000\d{11}[0-9X]$"),
        "港澳台居民居住证号码为18位，以810000（香港）、"
        "820000（澳门）或830000（台湾）开头，如 810000199408230021",
    ),
    "6": (
        re.compile(r"^(H\d{8}(\d{2})?|[A-Z]{1,2}\d{6}(\([0-9A]\)|[0-9A])|K\d{8})$"),
        "应为港澳居民来往内地通行证号（H加8位或10位数字，如 H12345678）、香港身份证号（如 A123456(3)）"
        "或香港特区护照号（K加8位数字，如 K12345678）",
    ),
    "7": (
        re.compile(r"^(M\d{8}(\d{2})?|[157]\d{6}(\(\d\)|\d)|MA\d{7})$"),
        "应为港澳居民来往内地通行证号（M加8位或10位数字，如 M12345678）、澳门身份证号（如 1234567(8)）"
        "或澳门特区护照号（MA加7位数字，如 MA1234567）",
    ),
    "8": (
        re.compile(r"^(\d{8}|\d{10}(\([A-Z]\)|[A-Z])?)$"),
        "台湾居民来往大陆通行证号应为8位数字（如 12345678），"
        "旧版为10位数字，可带一位英文字母（如 1234567890(B)）",
    ),
    "9": (
        re.compile(r"^([A-Z]{3}\d{12}|9\d{16}[0-9X])$"),
        "外国人永久居留身份证号应为3位字母加12位数字（旧版，如 USA110083004003），"
        "或以9开头的18位号码（2023年新版）",
    ),
    "A": (re.compile(r"^[A-Z0-9]{5,17}$"), "护照号应为5至17位字母或数字（如 E12345678）"),
}
ID_TYPES = codes.ID_TYPE  # one table of document types, shared with the record


def validate_document(
    *,
    id_type: str,
    raw: str,
    birth_date: dt.date | None = None,
    gender: str | None = None,
    today: dt.date | None = None,
) -> str:
    """Validate an identity document number of the given 学籍 id_type; returns it normalised (R6.3, R24.1)."""
    if id_type not in ID_TYPES:
        raise _fail("id_type", f"证件类型“{id_type}”无法识别，请从列表中选择证件类型。", field="id_type")
    number = normalize_id_number(raw)
    if id_type == "Z":
        # 其他: the number is optional; refuse only what cannot be a document number at all.
        if len(number) > 30 or not number.isprintable():
            raise _fail("id_format", "“其他”证件号码最多30个可见字符，请核对后重新输入。")
        return number
    if id_type != "1":
        pattern, expected = _DOC_FORMATS[id_type]
        if not pattern.match(number):
            raise _fail(
                "id_format",
                f"{ID_TYPES[id_type]}号码格式不正确：{expected}。请对照证件核对后重新输入。",
                rule="R24.1",
            )
        # R24.1: HKID and the 2023 permanent-residence ID carry check characters of their own.
        hkid = _HKID_RE.match(number) if id_type == "6" else None
        if hkid and not _hkid_ok(hkid):
            raise _fail(
                "id_check_char", "香港身份证号校验码（括号内字符）不正确，请对照证件逐位核对。", rule="R24.1"
            )
        if id_type == "9" and number[0] == "9" and gb11643_check_char(number[:17]) != number[17]:
            raise _fail(
                "id_check_char",
                "外国人永久居留身份证号校验位不正确：应为 "
                f"{gb11643_check_char(number[:17])}，输入为 {number[17]}。请对照证件逐位核对。",
                rule="R24.1",
            )
    if id_type in ("1", "C"):
        info = parse_resident_id(number, today=today)
        check_resident_id_matches(info, birth_date=birth_date, gender=gender)
    return number


def normalize_xjh(raw: str) -> str:
    """Normalise a 学籍号 like an ID number: no whitespace, ASCII, upper-case (R6.4)."""
    return normalize_id_number(raw)


def validate_xjh(raw: str) -> str:
    """Validate a 学籍号 (R6.4) and return it normalised; a G number must carry a valid ID check char."""
    xjh = normalize_xjh(raw)
    if not XJH_RE.match(xjh):
        raise _fail(
            "xjh_format",
            "学籍号格式不正确：应为19位，以G、L或J开头，后接17位数字和1位数字或X"
            "（如 G11010519491231002X）。请对照学籍系统核对后重新输入。",
            field="xjh",
            rule="R6.4",
        )
    if xjh[0] == "G" and gb11643_check_char(xjh[1:18]) != xjh[18]:
        raise _fail(
            "xjh_check_char",
            "G字头学籍号应为“G+身份证号”，但其中身份证号的校验位不正确"
            f"（应为 {gb11643_check_char(xjh[1:18])}）。请核对后重新输入。",
            field="xjh",
            rule="R6.4",
        )
    return xjh


def g_number(id_number: str) -> str:
    """The formal 学籍号 for a student with a resident ID number: "G" + the number (R6.4)."""
    return "G" + normalize_id_number(id_number)


def j_number(*, region_code: str, birth_date: dt.date, sequence: int) -> str:
    """A "J" 学籍号 for a student without a usable ID number (R6.4).

    It is built like an ID number (region + YYYYMMDD + 3-digit sequence + a check character), but
    its check character is the one GB 11643 gives *shifted by one* (remainder + 1 mod 11): its body
    is never a valid resident ID number, so no child registered later can hold the same digits.
    (Numbers issued before this rule keep the plain check character: an issued number never changes.)
    """
    if not re.fullmatch(r"[0-9]{6}", region_code):
        raise ValueError("region_code must be 6 digits")
    if not 1 <= sequence <= 999:
        raise ValueError("sequence must be between 1 and 999")
    body = f"{region_code}{birth_date:%Y%m%d}{sequence:03d}"
    return "J" + body + j_check_char(body)


def j_check_char(body17: str) -> str:
    """The J number's check character: never the GB 11643 one for the same 17 digits (R6.4)."""
    valid = gb11643_check_char(body17)
    return _CHECK_CHARS[(_CHECK_CHARS.index(valid) + 1) % 11]


def mask_id_number(number: str | None) -> str:
    """Mask a document number for display: 18 chars keep 6 + 4, others keep 2 + 2."""
    number = (number or "").strip()
    if len(number) == 18:
        return number[:6] + "*" * 8 + number[-4:]
    if len(number) <= 4:
        return "*" * len(number)  # too short to show anything and still hide it
    return number[:2] + "*" * (len(number) - 4) + number[-2:]


def mask_xjh(xjh: str | None) -> str:
    """A G number is "G" + the ID number, so a 学籍号 is masked wherever the ID number is (R21.1)."""
    xjh = (xjh or "").strip()
    if len(xjh) == 19 and xjh[0] in "GLJ":
        return xjh[0] + mask_id_number(xjh[1:])
    return mask_id_number(xjh)


def mask_phone(phone: str | None) -> str:
    """Mask a phone number: "138****5678" for mobile numbers, else keep only the last 4 characters."""
    phone = normalize_id_number(phone or "")
    if len(phone) == 11 and phone.isdigit():
        return phone[:3] + "****" + phone[-4:]
    if len(phone) <= 4:
        return "*" * len(phone)
    return "*" * (len(phone) - 4) + phone[-4:]


def mask_address(address: str | None) -> str:
    """Mask an address below the district: "安阳市北关区红旗路12号" → "安阳市北关区****" (R21.1)."""
    text = (address or "").strip()
    if not text:
        return ""
    for marker in ("区", "县", "旗"):
        at = text.find(marker, 2)
        if 0 < at < 12:
            return text[: at + 1] + "****"
    return text[:3] + "****"


def gender_label(code: str | None) -> str:
    """ "1" → 男, "2" → 女 (GB/T 2261.1); anything else → ""."""
    return {"1": "男", "2": "女"}.get(code or "", "")
