import datetime as dt

from tests.factories import enrollment_payload, family_payload, student_payload
from xueji.students.services import student_register


def test_r6_4_register_assigns_g_number(world):
    student = student_register(
        actor=world.registrar_a,
        school=world.school_a,
        student=student_payload(dt.date(2020, 8, 31)),
        family=family_payload(),
        enrollment=enrollment_payload(),
        school_class=world.class_a1,
    )
    assert student.xjh == "G" + student.id_number
    assert student.is_complete
