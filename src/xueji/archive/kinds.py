"""The kinds of archive record, declared once each (R7.2 categories 三–六): their fields, which
fields identify a record (an import of the same semester's result updates it, never duplicates
it), and whether the content is masked by default (R21.1: health and aid). The form, the import
template, the pages, the card and the snapshot are all made from these declarations; the
services check a record against them."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

Type = Literal["text", "choice", "date", "decimal", "int", "semester", "year"]

CATEGORIES = {
    3: "（三）综合素质评价",
    4: "（四）体质健康测试、健康体检、预防接种",
    5: "（五）获奖情况",
    6: "（六）资助情况",
}

# 《义务教育课程方案（2022年版）》's subjects.
SUBJECTS = tuple(
    "道德与法治 语文 数学 外语 历史 地理 科学 物理 化学 生物学 信息科技 体育与健康 艺术 劳动 综合实践活动".split()
)
# 《国家学生体质健康标准（2014年修订）》's test items (primary and junior high) and grades, as the
# school records them; the system computes no score (R7.2).
FITNESS_ITEMS = tuple(
    (
        "体重指数（BMI） 肺活量 50米跑 坐位体前屈 1分钟跳绳 1分钟仰卧起坐 50米×8往返跑 立定跳远 "
        "引体向上（男） 800米跑（女） 1000米跑（男）"
    ).split()
)
FITNESS_GRADES = ("优秀", "良好", "及格", "不及格")
AWARD_LEVELS = ("国家级", "省级", "市级", "区（县）级", "校级")
AID_KINDS = (
    "家庭经济困难学生生活补助",
    "营养改善计划膳食补助",
    "寄宿生生活补助",
    "免费提供教科书",
    "其他资助",
)
SEMESTER_RE = re.compile(r"^(20[0-9]{2})-(20[0-9]{2})学年第([一二])学期$")
YEAR_RE = re.compile(r"^(20[0-9]{2})-(20[0-9]{2})学年$")


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    type: Type = "text"
    choices: tuple[str, ...] = ()
    required: bool = True
    max_length: int = 100
    hint: str = ""

    def clean(self, raw: Any) -> tuple[Any, str]:
        """(the value as stored, "" or what is wrong in words)."""
        text = "" if raw is None else str(raw).strip()
        if text == "":
            return None, (f"请填写「{self.label}」。" if self.required else "")
        if self.type == "choice":
            return (
                (text, "")
                if text in self.choices
                else (None, f"「{self.label}」请从列表中选择：{'、'.join(self.choices)}。")
            )
        if self.type == "semester":
            found = SEMESTER_RE.match(text)
            if found and int(found[2]) == int(found[1]) + 1:
                return text, ""
            return None, f"「{self.label}」应写作“2025-2026学年第一学期”。"
        if self.type == "year":
            found = YEAR_RE.match(text)
            if found and int(found[2]) == int(found[1]) + 1:
                return text, ""
            return None, f"「{self.label}」应写作“2025-2026学年”。"
        if self.type == "date":
            try:
                day = dt.date.fromisoformat(text.replace("/", "-").replace(".", "-")[:10])
            except ValueError:
                return None, f"「{self.label}」应为日期，如 2026-05-20。"
            return day.isoformat(), ""
        if self.type == "decimal":
            try:
                number = Decimal(text)
            except InvalidOperation:
                return None, f"「{self.label}」应为数字。"
            if not number.is_finite() or number < 0 or number > Decimal("1000000"):
                return None, f"「{self.label}」应为 0 到 1000000 之间的数字。"
            return str(number.quantize(Decimal("0.01"))), ""
        if self.type == "int":
            if not text.isdigit() or not 0 < int(text) < 100:
                return None, f"「{self.label}」应为 1–99 的整数。"
            return int(text), ""
        if len(text) > self.max_length:
            return None, f"「{self.label}」不能超过 {self.max_length} 字（现为 {len(text)} 字）。"
        if not text.isprintable():
            return None, f"「{self.label}」含有不可见的控制字符，请删除后重新输入。"
        return text, ""


SEMESTER = Field("semester", "学年学期", "semester", hint="如 2025-2026学年第一学期")
YEAR = Field("year", "学年", "year", hint="如 2025-2026学年")


@dataclass(frozen=True)
class RecordKind:
    key: str
    label: str
    category: int
    fields: tuple[Field, ...]
    # The fields that identify a record of a student: the same values again update that record.
    identity: tuple[str, ...]
    # R21.1: shown masked by default (health, aid); revealing is a logged action.
    masked: bool = False
    # What the archive needs, by default (a district switch, ``archive.needs.<key>``): 1 = at least
    # one record for the archive to count as complete in this category (the semester check will read it).
    needed: int = 0
    hint: str = ""
    field_map: dict[str, Field] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "field_map", {f.key: f for f in self.fields})

    def clean(self, raw: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """(the record's data, {field: what is wrong}) — every wrong field at once."""
        data: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for item in self.fields:
            value, wrong = item.clean(raw.get(item.key))
            if wrong:
                errors[item.key] = wrong
            elif value is not None:
                data[item.key] = value
        return data, errors

    def period(self, data: Mapping[str, Any]) -> str:
        """The semester or school year the record belongs to ("" when it has none), for ordering."""
        return str(data.get("semester") or data.get("year") or "")

    def identity_of(self, data: Mapping[str, Any]) -> str:
        return "|".join(str(data.get(key, "")) for key in self.identity)

    def summary(self, data: Mapping[str, Any]) -> str:
        """One line, as the card and the snapshot list it."""
        return "；".join(
            f"{f.label}：{data[f.key]}" for f in self.fields if data.get(f.key) not in (None, "")
        )


KINDS: dict[str, RecordKind] = {
    kind.key: kind
    for kind in (
        RecordKind(
            "academic",
            "学业成绩",
            3,
            (
                SEMESTER,
                Field("subject", "科目", "choice", SUBJECTS),
                Field(
                    "result", "成绩", max_length=20, hint="期末总评：等级（优秀、良好、合格、待合格）或分数"
                ),
                Field("remark", "备注", required=False, max_length=100),
            ),
            identity=("semester", "subject"),
            needed=1,
            hint="每学期每科一条总评，不录入每次考试",
        ),
        RecordKind(
            "skill",
            "体育艺术特长",
            3,
            (
                SEMESTER,
                Field("item", "项目", max_length=50),
                Field("level", "水平或等级", max_length=50, required=False),
            ),
            identity=("semester", "item"),
        ),
        RecordKind(
            "service",
            "社区服务",
            3,
            (
                SEMESTER,
                Field("content", "服务内容", max_length=200),
                Field("hours", "时长（小时）", "decimal"),
                Field("organizer", "组织单位", max_length=100, required=False),
            ),
            identity=("semester", "content"),
        ),
        RecordKind(
            "practice",
            "社会实践",
            3,
            (
                SEMESTER,
                Field("content", "实践内容", max_length=200),
                Field("days", "天数", "decimal", required=False),
                Field("organizer", "组织单位", max_length=100, required=False),
            ),
            identity=("semester", "content"),
        ),
        RecordKind(
            "fitness",
            "体质健康测试",
            4,
            (
                YEAR,
                Field("item", "测试项目", "choice", FITNESS_ITEMS),
                Field(
                    "result", "测试成绩", max_length=20, hint="按测量原样填写，含单位，如 1850 毫升、9.8 秒"
                ),
                Field("grade", "等级", "choice", FITNESS_GRADES, required=False),
            ),
            identity=("year", "item"),
            needed=1,
            hint="按《国家学生体质健康标准》各项目的测量结果和等级录入，系统不计算分数",
        ),
        RecordKind(
            "health",
            "健康体检",
            4,
            (
                Field("checked_on", "体检日期", "date"),
                Field("institution", "体检机构", max_length=100),
                Field("conclusion", "体检结论", max_length=300),
            ),
            identity=("checked_on",),
            masked=True,
            needed=1,
        ),
        RecordKind(
            "vaccination",
            "预防接种",
            4,
            (
                Field("vaccine", "疫苗名称", max_length=50),
                Field("dose", "剂次", "int"),
                Field("vaccinated_on", "接种日期", "date"),
            ),
            identity=("vaccine", "dose"),
            masked=True,
        ),
        RecordKind(
            "award",
            "获奖",
            5,
            (
                Field("title", "奖项名称", max_length=100),
                Field("level", "级别", "choice", AWARD_LEVELS),
                Field("issuer", "颁奖单位", max_length=100),
                Field("awarded_on", "获奖日期", "date"),
            ),
            identity=("title", "awarded_on"),
        ),
        RecordKind(
            "aid",
            "资助",
            6,
            (
                SEMESTER,
                Field("kind", "资助项目", "choice", AID_KINDS),
                Field("amount", "金额（元）", "decimal"),
            ),
            identity=("semester", "kind"),
            masked=True,
        ),
    )
}


def kind_of(key: str) -> RecordKind:
    return KINDS[key]


def of_category(category: int) -> list[RecordKind]:
    return [k for k in KINDS.values() if k.category == category]


# --------------------------------------------------------------------------- the paper archive (R7.3)


@dataclass(frozen=True)
class PaperKind:
    """A paper item the school keeps for categories (一), (二), (三) or (五), and whether the
    district requires it by default (``paper.needs.<key>``)."""

    key: str
    label: str
    category: int
    needed: int = 0


PAPER_CATEGORIES = {1: "（一）基础信息", 2: "（二）佐证材料", 3: "（三）综合素质评价", 5: "（五）获奖情况"}
PAPER_KINDS: dict[str, PaperKind] = {
    kind.key: kind
    for kind in (
        PaperKind("card", "学生学籍卡", 1, needed=1),
        PaperKind("form", "学生基本信息表（签字）", 1),
        PaperKind("household", "户口簿复印件", 2, needed=1),
        PaperKind("birth", "出生医学证明复印件", 2),
        PaperKind("changes", "学籍变动材料", 2),
        PaperKind("quality", "综合素质评价报告单", 3),
        PaperKind("awards", "获奖证书复印件", 5),
    )
}
