"""The transfer's pages driven through HTTP like a browser: verification, start, evidence, every
step of the chain across two districts, the Tuesday batch, refusals with their rule ids and scope."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.changes.conftest import FACTS, PDF, START_EVIDENCE, attach, pupil, start
from tests.conftest import _user, login, said
from xueji.audit.models import AuditEvent
from xueji.changes import services as engine
from xueji.changes.kinds.transfer.services import transfer_verify
from xueji.changes.models import Case
from xueji.org.models import Role, School
from xueji.students.models import Enrollment

CHARS = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥"

# A case number standing alone: not three characters of a random token (the CSRF token) that
# happen to read "ZX6".
CASE_NUMBER = r"(?<![A-Za-z0-9])ZX\d{9}(?![0-9])"


def _name(i: int) -> str:
    """A valid name (R6.3 allows no digits) unique per number."""
    return "学" + CHARS[i % len(CHARS)] + CHARS[(i // len(CHARS)) % len(CHARS)]


def _text(response) -> str:
    return response.content.decode()


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def _verify(client, student, name=None):
    return client.post(
        "/cases/transfer/verify/", {"id_number": student.id_number, "name": name or student.name}
    )


def _start_through_pages(client, student, **facts):
    _verify(client, student)
    return client.post("/cases/transfer/new/", {"student": student.pk, **FACTS, **facts})


def _upload(client, case, category, data=PDF, name=None):
    upload = SimpleUploadedFile(name or f"{category}.pdf", data, content_type="application/pdf")
    return client.post(f"/cases/{case.pk}/documents/", {"category": category, "file": upload})


@pytest.fixture
def school_d(world):
    """A second 文峰区 school: its registrar is party to none of school A's transfers."""
    return School.objects.create(
        code="4105020002",
        name="文峰区西关小学",
        district=world.wenfeng,
        kind="primary",
        grade_from=1,
        grade_to=6,
    )


# --------------------------------------------------------------------------- the whole chain


def test_r10_5_full_chain_across_two_districts_through_the_pages(world, student_c, approver_c):
    registrar = login(world.registrar_a)

    page = registrar.get("/cases/transfer/verify/")
    assert page.status_code == 200 and "核验" in _text(page)
    found = _verify(registrar, student_c)
    text = _text(found)
    masked = f"{student_c.id_number[:6]}********{student_c.id_number[-4:]}"
    assert "已找到学籍" in text and "文峰区东关小学" in text and "三年级" in text and "在读" in text
    card = text[text.index("核验结果") :]
    assert masked in card and student_c.id_number not in card  # R21.1: the card shows it masked
    assert f"/cases/transfer/new/?student={student_c.pk}" in text

    form = registrar.get(f"/cases/transfer/new/?student={student_c.pk}")
    assert form.status_code == 200 and "陈小北" in _text(form) and "record_moves" not in _text(form)
    started = registrar.post("/cases/transfer/new/", {"student": student_c.pk, **FACTS})
    case = Case.objects.get()
    assert started.status_code == 302 and started["Location"] == f"/cases/{case.pk}/"

    page = registrar.get(f"/cases/{case.pk}/")
    text = _text(page)
    assert case.number in text and "提交备案" in text and "户籍迁移证明" in text and masked in text
    assert "不同意" not in text  # only the buttons of this viewer's turn

    refused = registrar.post(f"/cases/{case.pk}/submit/", follow=True)
    assert any("还缺少佐证材料" in m and said("R10.5") in m for m in _messages(refused))
    for category in START_EVIDENCE:
        assert _upload(registrar, case, category).status_code == 302
    submitted = registrar.post(f"/cases/{case.pk}/submit/", follow=True)
    assert any("区教育局备案" in m for m in _messages(submitted))
    case.refresh_from_db()
    assert (case.step_key, case.step_due) == ("filing", dt.date(2026, 9, 15))  # R10.4: next Tuesday

    # The officer approves from the Tuesday batch and lands back on it.
    officer = login(world.officer)
    batch = officer.get("/cases/batches/")
    assert "2026年9月15日" in _text(batch) and case.number in _text(batch)
    back = officer.post(f"/cases/{case.pk}/approve/", {"next": "/cases/batches/"})
    assert back["Location"] == "/cases/batches/"
    case.refresh_from_db()
    assert case.step_key == "in_school"

    chain = [
        (world.approver_a, "in_bureau"),
        (world.officer, "out_school"),
        (approver_c, "out_bureau"),
        (world.officer_wf, ""),
    ]
    for actor, next_step in chain:
        client = login(actor)
        home = client.get("/")
        assert case.number in _text(home), actor  # each party finds it in 待我办理
        assert "同意" in _text(client.get(f"/cases/{case.pk}/"))
        response = client.post(f"/cases/{case.pk}/approve/", {"comment": "同意"}, follow=True)
        assert response.status_code == 200
        case.refresh_from_db()
        assert case.step_key == next_step
    assert case.state == "completed"
    assert any("已办结" in m for m in _messages(response))

    # The timeline shows every step done, with who decided.
    text = _text(registrar.get(f"/cases/{case.pk}/"))
    for label in ("区教育局备案", "转入学校审核", "转入地教育局审核", "转出学校核办", "转出地教育局审核"):
        assert label in text
    assert "冯校长" in text and "吴科长" in text and "办结" in text

    # R10.10: the student arrived without a class; the registrar's home lists it under 待分班.
    home = _text(registrar.get("/"))
    assert "待分班" in home and "陈小北" in home and f"/students/{student_c.pk}/class/" in home
    assert Enrollment.objects.get(student=student_c, is_current=True).school == world.school_a


def test_r10_5_return_for_correction_and_resubmit_through_the_pages(world, student_c):
    case = start(world, student_c)
    attach(case, world.registrar_a, *START_EVIDENCE)
    engine.case_submit(actor=world.registrar_a, case=case)
    officer = login(world.officer)

    refused = officer.post(f"/cases/{case.pk}/return/", {"comment": " "}, follow=True)
    assert any(said("R17.1") in m for m in _messages(refused))
    officer.post(f"/cases/{case.pk}/return/", {"comment": "请补充户口簿首页"})
    case.refresh_from_db()
    assert case.state == "returned"

    registrar = login(world.registrar_a)
    assert "请补充户口簿首页" in _text(registrar.get(f"/cases/{case.pk}/"))
    assert "已退回" in _text(registrar.get("/"))
    registrar.post(f"/cases/{case.pk}/submit/")
    case.refresh_from_db()
    assert case.step_key == "filing"


def test_r17_1_a_returned_case_says_why_at_the_top_and_in_the_schools_box(world, student_c):
    case = start(world, student_c)
    attach(case, world.registrar_a, *START_EVIDENCE)
    engine.case_submit(actor=world.registrar_a, case=case)
    engine.case_return(actor=world.officer, case=case, comment="户口簿首页不清晰，请重新扫描")
    page = _text(login(world.registrar_a).get(f"/cases/{case.pk}/"))
    top = page.split('<div class="card">', 1)[0]  # above the case's summary
    assert "已退回修改" in top and "户口簿首页不清晰，请重新扫描" in top and "周科长" in top
    assert 'href="#actions"' in top and "待您办理" in top
    box = page.split('id="actions"', 1)[1].split("</div></div>", 1)[0]
    assert "退回原因：户口簿首页不清晰，请重新扫描" in box
    # The officer, whose turn it is not, reads the state but gets no 「去办理」.
    officer_page = _text(login(world.officer).get(f"/cases/{case.pk}/"))
    assert "已退回修改" in officer_page and 'href="#actions"' not in officer_page


def test_r17_1_a_wrong_file_is_removed_and_replaced_while_the_case_is_with_the_school(
    world, student_c, django_capture_on_commit_callbacks
):
    from xueji.audit.models import AuditEvent
    from xueji.changes.models import CaseDocument
    from xueji.core import evidence

    case = start(world, student_c)
    attach(case, world.registrar_a, *START_EVIDENCE)
    wrong = case.documents.get(category="household_register")
    stored = evidence.path_of(wrong.storage_name)
    registrar = login(world.registrar_a)
    page = _text(registrar.get(f"/cases/{case.pk}/"))
    assert f"/cases/documents/{wrong.pk}/remove/" in page
    # Nobody else may: a school outside the case (404), the transfer-out school or the officer
    # (not their turn: refused in words).
    assert login(world.registrar_b).post(f"/cases/documents/{wrong.pk}/remove/").status_code == 404
    for other in (world.registrar_c, world.officer):
        refused = login(other).post(f"/cases/documents/{wrong.pk}/remove/", follow=True)
        assert CaseDocument.objects.filter(pk=wrong.pk).exists() and _messages(refused)
    with django_capture_on_commit_callbacks(execute=True):
        done = registrar.post(f"/cases/documents/{wrong.pk}/remove/", follow=True)
    assert any("已删除材料" in m for m in _messages(done))
    assert not CaseDocument.objects.filter(pk=wrong.pk).exists() and not stored.exists()
    assert "户口簿" in _text(done) and "删除材料" in _text(done)  # the case's record keeps it
    assert AuditEvent.objects.filter(action="transfer.detach", subject_id=str(case.pk)).exists()
    # Once submitted, what the officer decides on stays.
    attach(case, world.registrar_a, "household_register")
    engine.case_submit(actor=world.registrar_a, case=case)
    kept = case.documents.first()
    assert f"/cases/documents/{kept.pk}/remove/" not in _text(registrar.get(f"/cases/{case.pk}/"))
    registrar.post(f"/cases/documents/{kept.pk}/remove/")
    assert CaseDocument.objects.filter(pk=kept.pk).exists()


def test_r10_5_reject_from_the_batch_needs_a_reason(world, student_c):
    case = start(world, student_c)
    attach(case, world.registrar_a, *START_EVIDENCE)
    engine.case_submit(actor=world.registrar_a, case=case)
    officer = login(world.officer)
    refused = officer.post(
        f"/cases/{case.pk}/reject/", {"comment": "", "next": "/cases/batches/"}, follow=True
    )
    assert any("不同意时请填写理由" in m and said("R17.1") in m for m in _messages(refused))
    officer.post(f"/cases/{case.pk}/reject/", {"comment": "材料不实", "next": "/cases/batches/"})
    case.refresh_from_db()
    assert case.state == "rejected"
    assert f'id="case-{case.pk}"' not in _text(officer.get("/cases/batches/"))


def test_r10_5_withdraw_is_offered_to_the_starting_registrar_only(world, student_c):
    case = start(world, student_c)
    assert "撤回" in _text(login(world.registrar_a).get(f"/cases/{case.pk}/"))
    assert "撤回" not in _text(login(world.registrar_c).get(f"/cases/{case.pk}/"))
    refused = login(world.registrar_c).post(f"/cases/{case.pk}/withdraw/", {"comment": "x"}, follow=True)
    assert any("只有发起学校" in m for m in _messages(refused))
    login(world.registrar_a).post(f"/cases/{case.pk}/withdraw/", {"comment": "家长改变主意"})
    case.refresh_from_db()
    assert case.state == "withdrawn"


def test_r10_4_batch_groups_cases_by_their_filing_tuesday(world, settings):
    cases = {}
    for today, birth in (("2026-09-10", dt.date(2018, 1, 1)), ("2026-09-16", dt.date(2018, 2, 2))):
        settings.XUEJI_FIXED_TODAY = today
        student = pupil(world, birth=birth, name=_name(birth.month))
        case = start(world, student)
        attach(case, world.registrar_a, *START_EVIDENCE)
        cases[today] = engine.case_submit(actor=world.registrar_a, case=case)
    text = _text(login(world.officer).get("/cases/batches/"))
    first, second = text.index("2026年9月15日"), text.index("2026年9月22日")
    assert first < text.index(cases["2026-09-10"].number) < second < text.index(cases["2026-09-16"].number)
    assert "已过备案日" in text  # the 15th is past on the 16th and not yet approved


def test_r10_4_approve_all_shown_files_the_batch_and_lists_it_among_past_batches(world, settings):
    """Issue 13: one click (one confirmation) files every case the officer saw in the batch; a case
    that joined the batch after the page was drawn waits for its own look; the past batches list
    what was filed or refused, by day."""
    from xueji.changes.models import Case

    made = []
    for birth in (dt.date(2018, 1, 1), dt.date(2018, 2, 2), dt.date(2018, 3, 3)):
        student = pupil(world, birth=birth, name=_name(birth.month))
        case = start(world, student)
        attach(case, world.registrar_a, *START_EVIDENCE)
        made.append(engine.case_submit(actor=world.registrar_a, case=case))
    officer = login(world.officer)
    page = _text(officer.get("/cases/batches/"))
    assert "全部同意备案（3 件）" in page and "data-confirm=" in page
    shown, late = made[:2], made[2]  # the third "arrived" after the page was drawn
    done = officer.post(
        "/cases/batches/approve/", {"day": "2026-09-15", "case": [c.pk for c in shown]}, follow=True
    )
    assert any("已同意备案 2 件" in m for m in _messages(done))
    states = dict(Case.objects.values_list("pk", "step_key"))
    assert [states[c.pk] for c in shown] == ["in_school", "in_school"] and states[late.pk] == "filing"
    past = _text(done).split('id="past"', 1)[1]
    assert shown[0].number in past and "同意备案" in past and late.number not in past
    # Another district's officer files nothing here; a made-up day is a 404.
    other = login(world.officer_wf).post("/cases/batches/approve/", {"day": "2026-09-15", "case": [late.pk]})
    assert other.status_code == 302 and Case.objects.get(pk=late.pk).step_key == "filing"
    assert officer.post("/cases/batches/approve/", {"day": "nonsense"}).status_code == 404


def test_r10_4_batch_print_links_serve_the_summary(world, student_c):
    case = start(world, student_c)
    attach(case, world.registrar_a, *START_EVIDENCE)
    engine.case_submit(actor=world.registrar_a, case=case)
    officer = login(world.officer)
    text = _text(officer.get("/cases/batches/"))
    assert "/cases/batches/pdf/?day=2026-09-15" in text and "/cases/batches/xlsx/?day=2026-09-15" in text

    pdf = officer.get("/cases/batches/pdf/?day=2026-09-15")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and "attachment" in pdf["Content-Disposition"]
    xlsx = officer.get("/cases/batches/xlsx/?day=2026-09-15")
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    assert AuditEvent.objects.filter(action="transfer.batch.export").count() == 2  # R21.1
    assert officer.get("/cases/batches/pdf/?day=2026-09-22").status_code == 404  # no such batch
    assert officer.get("/cases/batches/pdf/?day=garbage").status_code == 404
    assert login(world.officer_wf).get("/cases/batches/pdf/?day=2026-09-15").status_code == 404


# --------------------------------------------------------------------------- refusals


def test_r10_8_own_student_is_refused_on_the_card_and_by_the_form(world):
    own = pupil(world, school=world.school_a, registrar=world.registrar_a)
    registrar = login(world.registrar_a)
    card = _text(_verify(registrar, own))
    assert said("R10.8") in card and "/cases/transfer/new/" not in card
    response = registrar.post("/cases/transfer/new/", {"student": own.pk, **FACTS})
    assert response.status_code == 200
    assert "不得责令学生转学" in _text(response) and said("R10.8") in _text(response)
    assert not Case.objects.exists()


def test_r10_10_the_card_names_the_open_case_before_the_form_is_filled(world, student_c):
    registrar = login(world.registrar_a)
    _start_through_pages(registrar, student_c)
    case = Case.objects.get()
    card = _text(_verify(registrar, student_c))
    assert "已有正在办理的学籍变动" in card and said("R10.10") in card and f"/cases/{case.pk}/" in card
    assert "/cases/transfer/new/" not in card
    assert said("R10.10") in _text(registrar.get(f"/cases/transfer/new/?student={student_c.pk}"))
    # Another school learns the number the refusal would tell it, but gets no link to a case it
    # may not open.
    school_d = School.objects.create(
        code="4105020002",
        name="文峰区西关小学",
        district=world.wenfeng,
        kind="primary",
        grade_from=1,
        grade_to=6,
    )
    other = _text(_verify(login(_user("reg_d", Role.REGISTRAR, school=school_d)), student_c))
    assert case.number in other and f"/cases/{case.pk}/" not in other


def test_r10_7_the_card_says_when_the_intra_province_window_has_closed(world, student_c, settings):
    # The case can be prepared (the link stays) but filed only with the district's exception; the
    # card says so and when the next window opens.
    settings.XUEJI_FIXED_TODAY = "2026-11-02"
    card = _text(_verify(login(world.registrar_a), student_c))
    assert said("R10.7") in card and "两个月内" in card and "登记例外" in card and "2027年02月24日" in card
    assert "/cases/transfer/new/" in card


def test_r10_9_within_beiguan_needs_the_officers_exception_before_submitting(world):
    other = School.objects.create(
        code="4105030009",
        name="北关区解放路小学",
        district=world.beiguan,
        kind="primary",
        grade_from=1,
        grade_to=6,
    )
    reg_x = _user("reg_x", Role.REGISTRAR, school=other)
    student = pupil(world, school=other, registrar=reg_x)
    registrar = login(world.registrar_a)
    _start_through_pages(registrar, student)
    case = Case.objects.get()
    assert "须由区教育局学籍干部登记例外" in _text(registrar.get(f"/cases/{case.pk}/"))
    for category in START_EVIDENCE:
        _upload(registrar, case, category)
    refused = registrar.post(f"/cases/{case.pk}/submit/", follow=True)
    assert any(said("R10.9") in m for m in _messages(refused))

    officer = login(world.officer)
    assert "登记例外" in _text(officer.get(f"/cases/{case.pk}/"))
    empty = officer.post(f"/cases/{case.pk}/exception/", {"comment": ""}, follow=True)
    assert any("请写明例外批准的理由" in m and said("R10.9") in m for m in _messages(empty))
    officer.post(f"/cases/{case.pk}/exception/", {"comment": "监护人重病，需就近照顾"})
    assert "监护人重病" in _text(registrar.get(f"/cases/{case.pk}/"))
    registrar.post(f"/cases/{case.pk}/submit/")
    case.refresh_from_db()
    assert case.step_key == "filing"


def test_r10_10_second_open_case_is_refused_at_the_form(world, student_c):
    registrar = login(world.registrar_a)
    _start_through_pages(registrar, student_c)
    response = _start_through_pages(registrar, student_c)
    assert response.status_code == 200
    text = _text(response)
    assert "已有正在办理的学籍变动" in text and said("R10.10") in text and Case.objects.get().number in text


def test_r10_3_the_form_needs_grounds_nature_and_reason_at_their_fields(world, student_c):
    registrar = login(world.registrar_a)
    _verify(registrar, student_c)
    response = registrar.post("/cases/transfer/new/", {"student": student_c.pk})
    form = response.context["form"]
    assert said("R10.1") in form.errors["grounds"][0] and said("R10.3") in form.errors["nature"][0]
    assert said("R10.5") in form.errors["reason"][0]


def test_r10_3_no_transfer_form_without_verification(world, student_c):
    registrar = login(world.registrar_a)
    response = registrar.get(f"/cases/transfer/new/?student={student_c.pk}", follow=True)
    assert response.redirect_chain[-1][0] == "/cases/transfer/verify/"
    assert any(said("R10.3") in m for m in _messages(response))
    assert "陈小北" not in _text(response)
    # A wrong name finds nothing and does not unlock the form either.
    _verify(registrar, student_c, name="陈小南")
    assert registrar.get(f"/cases/transfer/new/?student={student_c.pk}").status_code == 302


def test_r10_3_the_class_select_shows_occupancy_of_the_students_grade(world, student_c):
    from xueji.org.models import SchoolClass

    SchoolClass.objects.create(school=world.school_a, school_year=world.year, grade=3, number=2, capacity=40)
    registrar = login(world.registrar_a)
    _verify(registrar, student_c)
    text = _text(registrar.get(f"/cases/transfer/new/?student={student_c.pk}"))
    assert "三年级（2）班（已有 0/40 人）" in text and "一年级" not in text


def test_r10_5_external_student_form_after_a_failed_verification(world):
    registrar = login(world.registrar_a)
    response = registrar.post(
        "/cases/transfer/verify/", {"id_number": "11010519491231002X", "name": "孙小东"}
    )
    text = _text(response)
    assert "未找到该学生" in text and "转出学校所在省份" in text and 'value="孙小东"' in text
    assert said("R6.3") not in text and "R6.3" not in text  # a valid number: no typing mistake to point out
    typo = _text(
        registrar.post("/cases/transfer/verify/", {"id_number": "110105194912310021", "name": "孙小东"})
    )
    assert said("R6.3") in typo and "转出学校所在省份" in typo
    missing = registrar.post("/cases/transfer/external/", {"name": "孙小东"})
    assert "转出省份" in _text(missing) and said("R10.5") in _text(missing)
    started = registrar.post(
        "/cases/transfer/external/",
        {
            "name": "孙小东",
            "id_number": "11010519491231002X",
            "province": "山东省",
            "school": "济南市历下区实验小学",
            "grade": "4",
            "scope": "cross_province",
            "grounds": "migrant_child",
            "nature": "migrant",
            "reason": "父母来安阳务工",
        },
    )
    case = Case.objects.get()
    assert started["Location"] == f"/cases/{case.pk}/"
    text = _text(registrar.get(f"/cases/{case.pk}/"))
    assert "山东省济南市历下区实验小学" in text and "110105********002X" in text
    assert "11010519491231002X" not in text


@pytest.mark.parametrize("registrar", ["registrar_a", "registrar_c"])
def test_r6_2_the_external_form_refuses_an_id_number_held_here(world, student_c, registrar):
    """A mistyped name fails the verification and offers the form for students outside the
    system; an ID number this deployment holds (in another school, or in one's own) is refused
    there, the way back named, no school named, nothing created, the lookup logged."""
    from xueji.audit.models import AuditEvent

    client = login(getattr(world, registrar))
    refused = client.post(
        "/cases/transfer/external/",
        {
            "name": "孙小冬",  # mistyped
            "id_number": student_c.id_number.lower(),  # as typed: normalised first
            "province": "山东省",
            "school": "济南市历下区实验小学",
            "grade": str(student_c.enrollments.get(is_current=True).grade),
            "scope": "cross_province",
            "grounds": "migrant_child",
            "nature": "migrant",
            "reason": "父母来安阳务工",
        },
    )
    text = _text(refused)
    assert refused.status_code == 200 and "已在本系统建有学籍" in text and "转学核验" in text
    if registrar == "registrar_a":  # R6.2: the name did not match, so the holder is not named
        assert "文峰区东关小学" not in text
    assert not Case.objects.exists()
    lookup = AuditEvent.objects.get(action="student.duplicate_lookup")
    assert lookup.actor == getattr(world, registrar) and lookup.subject_id == str(student_c.pk)


def test_r10_7_case_page_counts_working_days_left_and_late(world, student_c, settings):
    case = start(world, student_c)
    attach(case, world.registrar_a, *START_EVIDENCE)
    engine.case_submit(actor=world.registrar_a, case=case)
    engine.case_approve(actor=world.officer, case=case)  # in_school from Thu 10 Sep, due Wed 23 Sep
    approver = login(world.approver_a)
    assert "剩余 10 个工作日" in _text(approver.get(f"/cases/{case.pk}/"))
    settings.XUEJI_FIXED_TODAY = "2026-09-25"  # Mid-Autumn Festival: only Thu 24 Sep is late
    text = _text(approver.get(f"/cases/{case.pk}/"))
    assert "已逾期 1 个工作日" in text
    home = _text(approver.get("/"))
    assert re.search(
        r'<tr class="late">\s*<td class="mono"><a [^>]*>' + case.number, home
    )  # red, in 待我办理


def test_r10_7_provisional_due_date_is_announced(world, settings):
    settings.XUEJI_FIXED_TODAY = "2026-12-29"
    from xueji.changes.kinds.transfer.services import transfer_start

    external = {"name": "孙小东", "province": "山东省", "school": "济南市历下区实验小学", "grade": "4"}
    facts = {"grounds": "migrant_child", "nature": "migrant", "reason": "务工", "scope": "cross_province"}
    case = transfer_start(actor=world.registrar_a, student=None, facts={**facts, "external": external})
    attach(case, world.registrar_a, "transfer_application", "residence_proof", "parents_work_proof")
    engine.case_submit(actor=world.registrar_a, case=case)
    engine.case_approve(actor=world.officer, case=case)
    text = _text(login(world.approver_a).get(f"/cases/{case.pk}/"))
    assert "2027年的法定节假日安排尚未录入" in text


# --------------------------------------------------------------------------- evidence files


def test_r6_1_documents_download_as_attachment_or_inline_with_a_strict_policy(world, student_c):
    registrar = login(world.registrar_a)
    _start_through_pages(registrar, student_c)
    case = Case.objects.get()
    _upload(registrar, case, "transfer_application", name="申请书.pdf")
    document = case.documents.get()
    text = _text(registrar.get(f"/cases/{case.pk}/"))
    assert "监护人转学申请" in text and "申请书.pdf" in text

    attachment = registrar.get(f"/cases/documents/{document.pk}/")
    assert attachment.status_code == 200 and "attachment" in attachment["Content-Disposition"]
    assert b"".join(attachment.streaming_content) == PDF
    inline = registrar.get(f"/cases/documents/{document.pk}/?inline=1")
    assert inline["Content-Disposition"].startswith("inline")
    assert inline["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in inline["Content-Security-Policy"]
    # The other party (school C) may read it; a school outside the case may not.
    assert login(world.registrar_c).get(f"/cases/documents/{document.pk}/").status_code == 200
    assert login(world.registrar_b).get(f"/cases/documents/{document.pk}/").status_code == 404


def test_r6_1_a_renamed_file_is_refused_with_its_rule(world, student_c):
    registrar = login(world.registrar_a)
    _start_through_pages(registrar, student_c)
    case = Case.objects.get()
    response = _upload(registrar, case, "transfer_application", data=b"MZ not a pdf", name="a.pdf")
    messages = _messages(registrar.get(response["Location"]))
    assert any(said("R6.1") in m for m in messages) and not case.documents.exists()


def test_r17_1_upload_form_only_for_whoever_may_act_now(world, student_c):
    case = start(world, student_c)
    assert 'name="file"' in _text(login(world.registrar_a).get(f"/cases/{case.pk}/"))
    for persona in (world.registrar_c, world.approver_a, world.officer):
        assert 'name="file"' not in _text(login(persona).get(f"/cases/{case.pk}/"))
    refused = login(world.approver_a).post(
        f"/cases/{case.pk}/documents/",
        {"category": "transfer_application", "file": SimpleUploadedFile("a.pdf", PDF)},
        follow=True,
    )
    assert any("不是您的办理环节" in m for m in _messages(refused))


# --------------------------------------------------------------------------- scope and roles


def test_r2_2_a_school_outside_the_case_gets_404_like_a_missing_case(world, student_c, school_d):
    case = start(world, student_c)
    registrar_d = _user("reg_d", Role.REGISTRAR, school=school_d)
    for persona in (registrar_d, world.registrar_b):
        client = login(persona)
        assert client.get(f"/cases/{case.pk}/").status_code == 404
        assert client.get(f"/cases/{case.pk + 1000}/").status_code == 404
        assert case.number not in _text(client.get("/cases/"))
    for persona in (world.registrar_a, world.approver_a, world.registrar_c, world.officer, world.officer_wf):
        assert login(persona).get(f"/cases/{case.pk}/").status_code == 200, persona.username


def test_r2_2_wrong_roles_are_403(world, student_c):
    case = start(world, student_c)
    assert login(world.auditor).get(f"/cases/{case.pk}/").status_code == 403
    assert login(world.admin).get("/cases/").status_code == 403
    # A registrar approves only where a kind makes it the step's party (a dropout's street-office
    # receipt, R13.2): anywhere else the engine refuses, says why, and nothing changes.
    registrar = login(world.registrar_a)
    assert registrar.post(f"/cases/{case.pk}/approve/").status_code == 302
    attach(case, world.registrar_a, *START_EVIDENCE)
    engine.case_submit(actor=world.registrar_a, case=case)
    for verb, body in (("approve", {}), ("reject", {"reason": "x"}), ("return", {"comment": "x"})):
        page = _text(registrar.post(f"/cases/{case.pk}/{verb}/", body, follow=True))
        assert "不是您的办理环节" in page, verb
    case.refresh_from_db()
    assert (case.state, case.step_key) == ("open", "filing")
    assert login(world.approver_a).get("/cases/transfer/verify/").status_code == 403
    assert login(world.registrar_a).get("/cases/batches/").status_code == 403


def test_r2_2_not_your_step_is_a_message_not_a_change(world, student_c):
    case = start(world, student_c)
    attach(case, world.registrar_a, *START_EVIDENCE)
    engine.case_submit(actor=world.registrar_a, case=case)
    response = login(world.approver_a).post(f"/cases/{case.pk}/approve/", follow=True)
    assert any("不是您的办理环节" in m for m in _messages(response))
    case.refresh_from_db()
    assert case.step_key == "filing"


def test_r2_2_actions_are_post_only(world, student_c):
    case = start(world, student_c)
    assert login(world.registrar_a).get(f"/cases/{case.pk}/submit/").status_code == 405
    assert login(world.registrar_a).get(f"/cases/{case.pk}/withdraw/").status_code == 405


def test_r2_2_an_unsafe_next_is_ignored(world, student_c):
    case = start(world, student_c)
    response = login(world.registrar_a).post(f"/cases/{case.pk}/submit/", {"next": "https://evil.example/"})
    assert response["Location"] == f"/cases/{case.pk}/"


def test_r21_1_case_views_are_logged(world, student_c):
    case = start(world, student_c)
    login(world.registrar_c).get(f"/cases/{case.pk}/")
    assert AuditEvent.objects.filter(action="case.view", subject_id=str(case.pk)).count() == 1
    transfer_verify(requested_by=world.registrar_a, id_number=student_c.id_number, name="陈小北")


# --------------------------------------------------------------------------- lists


def test_case_list_filters_by_state_and_overdue(world, settings):
    students = [pupil(world, birth=dt.date(2018, 1, d), name=_name(d)) for d in (1, 2, 3)]
    draft, filed, withdrawn = (start(world, s) for s in students)
    attach(filed, world.registrar_a, *START_EVIDENCE)
    engine.case_submit(actor=world.registrar_a, case=filed)
    engine.case_withdraw(actor=world.registrar_a, case=withdrawn, reason="x")
    client = login(world.registrar_a)
    assert {draft.number, filed.number, withdrawn.number} <= set(
        re.findall(CASE_NUMBER, _text(client.get("/cases/")))
    )
    active = set(re.findall(CASE_NUMBER, _text(client.get("/cases/?state=active"))))
    assert active == {draft.number, filed.number}
    assert set(re.findall(CASE_NUMBER, _text(client.get("/cases/?state=withdrawn")))) == {withdrawn.number}
    assert not re.findall(CASE_NUMBER, _text(client.get("/cases/?overdue=1")))
    settings.XUEJI_FIXED_TODAY = "2026-09-16"  # the Tuesday filing passed unapproved
    assert set(re.findall(CASE_NUMBER, _text(client.get("/cases/?overdue=1")))) == {filed.number}
    assert client.get("/cases/?state=nonsense&page=abc").status_code == 200


def test_case_list_filters_by_kind_and_by_my_turn_and_caps_its_count(world, monkeypatch):
    from functools import partial

    from xueji.changes import views
    from xueji.core.pagination import CappedPaginator

    students = [pupil(world, birth=dt.date(2018, 1, d), name=_name(d)) for d in (1, 2, 3)]
    draft, filed, other = (start(world, s) for s in students)
    attach(filed, world.registrar_a, *START_EVIDENCE)
    engine.case_submit(actor=world.registrar_a, case=filed)
    registrar, officer = login(world.registrar_a), login(world.officer)
    assert set(re.findall(CASE_NUMBER, _text(registrar.get("/cases/?kind=transfer")))) == {
        draft.number,
        filed.number,
        other.number,
    }
    assert not re.findall(CASE_NUMBER, _text(registrar.get("/cases/?kind=suspension")))
    assert set(re.findall(CASE_NUMBER, _text(registrar.get("/cases/?mine=1")))) == {
        draft.number,
        other.number,
    }
    assert set(re.findall(CASE_NUMBER, _text(officer.get("/cases/?mine=1")))) == {filed.number}
    page = _text(registrar.get("/cases/?mine=1&kind=nonsense"))  # an unknown kind is no filter
    assert "共 2 件" in page
    monkeypatch.setattr(views, "CappedPaginator", partial(CappedPaginator, cap=2))
    page = _text(registrar.get("/cases/"))
    assert "超过 2 件" in page and "共 3 件" not in page


def test_home_lists_the_most_urgent_to_dos_and_links_to_all_of_them(world, monkeypatch):
    from xueji.changes import selectors

    for d in (1, 2, 3):
        start(world, pupil(world, birth=dt.date(2018, 1, d), name=_name(d)))
    client = login(world.registrar_a)
    assert "查看全部待办" not in _text(client.get("/"))
    monkeypatch.setattr(selectors, "INBOX_SHOWN", 2)
    page = _text(client.get("/"))
    assert "共 3 件" in page and "查看全部待办" in page
    assert len(re.findall(CASE_NUMBER, page)) == 2


def _cases(world, n, offset=0):
    made = []
    for i in range(n):
        student = pupil(
            world, birth=dt.date(2018, 1, 1) + dt.timedelta(days=offset + i), name=_name(offset + i)
        )
        case = start(world, student)
        attach(case, world.registrar_a, *START_EVIDENCE)
        made.append(engine.case_submit(actor=world.registrar_a, case=case))
    return made


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("persona", "url"),
    [
        ("officer", "/"),
        ("officer", "/cases/"),
        ("officer", "/cases/batches/"),
        ("registrar_a", "/"),
        ("registrar_a", "/cases/"),
        ("registrar_c", "/cases/"),
    ],
)
def test_lists_cost_the_same_queries_for_5_and_20_cases(world, persona, url):
    _cases(world, 5)
    client = login(getattr(world, persona))
    few = _queries(client, url)
    _cases(world, 15, offset=100)
    assert _queries(client, url) == few


def test_lists_show_which_way_the_student_goes(world, student_c):
    from tests.changes.builders import case_in_state

    start(world, student_c)
    case_in_state("transfer_out", "draft", world)
    for page in (_text(login(world.registrar_a).get("/cases/")), _text(login(world.registrar_a).get("/"))):
        assert f"{world.school_a.name} → 浙江省杭州市西湖区学军小学（系统外）" in page
        assert f"{world.school_c.name} → {world.school_a.name}" in page  # a transfer in


def test_a_step_nobody_can_take_is_shown_blocked_to_the_district_and_the_school(world, student_c):
    """Issue 13: school A has no approver account in use: once filed, its approval step cannot be
    taken; the case page, the officer's home and the registrar's home say so and why."""
    case = start(world, student_c)
    attach(case, world.registrar_a, *START_EVIDENCE)
    engine.case_submit(actor=world.registrar_a, case=case)
    assert "无人办理" not in _text(login(world.officer).get(f"/cases/{case.pk}/"))
    world.approver_a.is_active = False
    world.approver_a.save()
    engine.case_approve(actor=world.officer, case=case)  # now at school A's approval
    page = _text(login(world.officer).get(f"/cases/{case.pk}/"))
    assert "此环节无人办理" in page and "北关区红旗路小学没有可以办理" in page and "学校审核人" in page
    home = _text(login(world.officer).get("/"))
    assert "无人办理的环节" in home and case.number in home.split('id="blocked"', 1)[1]
    registrar_home = _text(login(world.registrar_a).get("/"))
    assert "无人办理的环节" in registrar_home and "联系区教育局" in registrar_home
    # An approver back at work: nothing blocked.
    world.approver_a.is_active = True
    world.approver_a.save()
    assert "无人办理的环节" not in _text(login(world.officer).get("/"))


def test_the_blocked_check_reads_a_fixed_number_of_queries_however_many_cases(world, settings):
    from xueji.changes import selectors as change_selectors
    from xueji.changes.blocked import blocked

    def count_for(n):
        for i in range(n):
            student = pupil(world, birth=dt.date(2018, 1, 1) + dt.timedelta(days=len(Case.objects.all()) + i))
            attach(start(world, student), world.registrar_a, *START_EVIDENCE)
        cases = list(change_selectors.case_list(requested_by=world.officer, state="active"))
        with CaptureQueriesContext(connection) as queries:
            blocked(cases)
        return len(queries)

    assert count_for(1) == count_for(4)


def test_a_wrong_upload_is_told_in_the_evidence_card_not_at_the_top(world, student_c):
    """Issue 13: the refusal of an upload shows where the user is looking (the evidence card, which
    the page opens at), as an alert; other messages stay at the top."""
    case = start(world, student_c)
    registrar = login(world.registrar_a)
    bad = SimpleUploadedFile("户口簿.pdf", b"not a pdf at all", content_type="application/pdf")
    page = _text(
        registrar.post(
            f"/cases/{case.pk}/documents/", {"category": "household_register", "file": bad}, follow=True
        )
    )
    card = page.split('id="evidence"', 1)[1]
    top = page.split('id="evidence"', 1)[0].split("<main", 1)[1]
    assert "PDF、JPEG 或 PNG" in card and 'role="alert"' in card.split("<h2>", 1)[0]
    assert "PDF、JPEG 或 PNG" not in top
