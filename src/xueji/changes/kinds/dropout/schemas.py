"""The dropout report's facts (R13.2, R13.3): one schema for the start form, the API and the case
page; the township's delivery is recorded when the school enters it (the step decides it)."""

from __future__ import annotations

from xueji.changes.kinds.facts import Fact, FactSchema

DELIVERY = {"in_person": "专人送达（签收）", "post": "邮寄（挂号信）", "online": "政务系统报送"}

FACTS = FactSchema(
    "dropout",
    (
        Fact(
            "learned_on",
            "学校获知日期",
            "date",
            rule="R13.2",
            required=True,
            help="5 个工作日的书面报告时限从这一天算起（第十三条，区教育局规定）",
        ),
        Fact("last_attended_on", "最后到校日期", "date", rule="R13.2", required=True),
        Fact(
            "circumstances",
            "辍学情况",
            "longtext",
            rule="R13.2",
            required=True,
            required_message="请写明学生辍学的情况（第十三条）。",
            placeholder="如：11 月 9 日起未到校，家长称孩子不愿上学，随亲属外出",
        ),
        Fact(
            "measures",
            "学校已采取的劝返措施",
            "longtext",
            rule="R13.2",
            required=True,
            required_message="请写明学校已采取的劝返措施（第十三条：学校发现学生辍学应及时采取措施）。",
            placeholder="如：班主任两次家访、电话联系家长，向家长宣传义务教育法",
        ),
        Fact(
            "township",
            "报告的乡镇人民政府（街道办事处）",
            rule="R13.2",
            required=True,
            max_length=60,
            placeholder="如：北关区红旗路街道办事处",
        ),
        Fact("migrant", "进城务工人员随迁子女", "bool", rule="R13.3", entered=False, help="按学籍信息"),
        Fact(
            "hukou_place",
            "户籍所在地",
            rule="R13.3",
            max_length=100,
            help="随迁子女辍学的，学校或区教育局应与户籍所在地教育行政部门沟通（第十三条）",
        ),
        Fact("township_delivered_on", "乡镇（街道）书面报告送达日期", "date", rule="R13.2"),
        Fact("township_delivery", "送达方式", "choice", DELIVERY, rule="R13.2"),
    ),
)
START_KEYS = (
    "learned_on",
    "last_attended_on",
    "circumstances",
    "measures",
    "township",
    "hukou_place",
)
