"""Demo transfers out of this deployment (R10.5, R10.8), at 北关区红旗路小学 (hq): one being
recorded by hq_registrar, one at hq_approver's 转出学校核办, one at bg_officer's 转出地教育局审核 and
one completed (the record closed here as 转出, its archive handed over)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from io import BytesIO
from typing import TYPE_CHECKING

from xueji.changes import services as engine
from xueji.changes.kinds.demo_files import on, scan
from xueji.changes.kinds.transfer_out.services import transfer_out_start
from xueji.changes.models import Case
from xueji.core import clock
from xueji.org.models import School, User
from xueji.students.models import Enrollment

if TYPE_CHECKING:
    from xueji.demo.people import People

HOME = "hq"
REQUESTS = (
    ("draft", "prepare", ("浙江省", "杭州市西湖区学军小学"), "随父母工作调动迁往杭州"),
    ("out_school", "out_school", ("广东省", "深圳市南山区第二实验学校"), "父母在深圳务工，随迁就读"),
    ("out_bureau", "out_bureau", ("河南省", "郑州市金水区文化路小学"), "随父母户籍迁往郑州市金水区"),
    ("completed", "", ("江苏省", "南京市鼓楼区琅琊路小学"), "随父母工作调动迁往南京"),
)


def seed(
    *, users: Mapping[str, User], schools: Mapping[str, School], people: People, say: Callable[[str], None]
) -> dict[str, Case]:
    made: dict[str, Case] = {}
    school = schools[HOME]
    registrar, approver, officer = users["hq_registrar"], users["hq_approver"], users["bg_officer"]
    today = clock.today()
    taken = set(Case.objects.exclude(student=None).values_list("student_id", flat=True))
    free = iter(
        Enrollment.objects.filter(
            school=school, is_current=True, status=Enrollment.Status.ENROLLED, grade__gte=2
        )
        .exclude(student_id__in=taken)
        .select_related("student")
        .order_by("grade", "pk")
    )
    with on(today):
        for index, (what, stop, (province, to_school), reason) in enumerate(REQUESTS, start=1):
            enrollment = next(free, None)
            if enrollment is None:
                say("  演示转出：本校学生不足，部分事项未建立")
                break
            case = transfer_out_start(
                actor=registrar,
                student=enrollment.student,
                facts={
                    "platform_request": f"{province[:2]}{today:%Y%m%d}{index:04d}",
                    "to_province": province,
                    "to_school": to_school,
                    "requested_on": today.isoformat(),
                    "reason": reason,
                },
            )
            if what != "draft":
                for category, label in engine.missing_evidence(case).items():
                    engine.case_attach(
                        actor=registrar,
                        case=case,
                        file=BytesIO(scan(label, enrollment.student.name, case.number)),
                        original_name=f"{label}.pdf",
                        category=category,
                    )
                case = engine.case_submit(actor=registrar, case=case)
                while case.state == Case.State.OPEN and case.step_key != stop:
                    actor = approver if case.step_key == "out_school" else officer
                    case = engine.case_approve(actor=actor, case=case, comment="同意转出，档案随转。")
            made[what] = case
    say(f"  已建立 {len(made)} 件演示转出（系统外）事项 ({len(made)} demo transfers out)")
    return made
