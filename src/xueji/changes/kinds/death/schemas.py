"""The death cancellation's facts (R15.1, R15.2): one schema for the start form, the API and the
case page."""

from __future__ import annotations

from xueji.changes.kinds.facts import Fact, FactSchema
from xueji.students.models import Enrollment

# What proves the death (R15.1); a student reported missing is cancelled only on the first or the
# last (R15.2).
PROOFS = {
    "death_certificate": "死亡医学证明",
    "police_or_hospital": "公安机关或医院出具的死亡证明材料",
    "court_declaration": "人民法院宣告死亡的判决书",
}
STATUSES = dict(Enrollment.Status.choices)

FACTS = FactSchema(
    "death",
    (
        Fact(
            "learned_on",
            "学校获知日期",
            "date",
            rule="R15.1",
            required=True,
            help="10 个工作日的办理时限从这一天算起，不从填报之日算起（第十五条）",
        ),
        Fact("died_on", "死亡日期", "date", rule="R15.1", required=True),
        Fact("proof", "证明材料", "choice", PROOFS, rule="R15.1", required=True),
        Fact(
            "circumstances",
            "情况说明",
            "longtext",
            rule="R15.1",
            placeholder="如：因病医治无效，于 11 月 20 日在市第一人民医院去世",
        ),
        Fact("status_before", "注销前学籍状态", "choice", STATUSES, entered=False),
    ),
)
START_KEYS = ("learned_on", "died_on", "proof", "circumstances")
