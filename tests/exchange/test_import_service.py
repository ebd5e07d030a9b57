"""Spreadsheet import through the services: same rules as one registration, all or nothing, idempotent."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from python_calamine import CalamineWorkbook

from tests.conftest import said
from tests.exchange.conftest import child, fill, read_sheet, template_bytes
from tests.factories import enrollment_payload, family_payload, make_id, student_payload
from xueji.audit.models import AuditEvent
from xueji.core.errors import RuleViolation
from xueji.core.identity import mask_xjh
from xueji.exchange import layouts, services, workbooks
from xueji.exchange.models import ImportJob
from xueji.students.models import Enrollment, FamilyMember, Student, XjhAlias
from xueji.students.services import student_import_existing, student_register


def run(world, data: bytes, *, valid_only: bool = False, actor=None, school=None) -> ImportJob:
    job = services.import_job_create(
        actor=actor or world.registrar_a,
        school=school or world.school_a,
        data=data,
        original_name="新生.xlsx",
        valid_only=valid_only,
    )
    return services.import_job_run(job.pk)


def report(job: ImportJob) -> list[dict]:
    return read_sheet(services.report_path(job).read_bytes())


def three_children() -> list[dict]:
    return [
        child(dt.date(2020, 3, 15), 姓名="王小明"),
        child(dt.date(2020, 5, 2), male=False, 姓名="李小红"),
        child(dt.date(2019, 12, 30), 姓名="赵一鸣", 班级="一年级（1）班"),
    ]


# --------------------------------------------------------------------------- the template


def test_template_has_national_order_dropdowns_hidden_codes_and_instructions():
    data = template_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        book = archive.read("xl/workbook.xml").decode()
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert 'name="学生信息"' in book and 'name="填写说明"' in book
    assert 'name="代码表" sheetId="3" state="hidden"' in book
    assert sheet.count("<dataValidation ") == sum(1 for c in layouts.STUDENT_COLUMNS if c.table)
    from python_calamine import CalamineWorkbook

    grid = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("学生信息").to_python()
    assert grid[0] == [c.header for c in layouts.STUDENT_COLUMNS]
    items = [c.item for c in layouts.STUDENT_COLUMNS]
    assert items == sorted(items)  # the national form's order (items 1–72)
    existing = CalamineWorkbook.from_filelike(io.BytesIO(template_bytes(layouts.EXISTING_RECORDS)))
    assert existing.get_sheet_by_name("学生信息").to_python()[0][0] == "学籍号"


# --------------------------------------------------------------------------- round trip


def test_r2_3_template_round_trip_imports_every_row_with_history_and_audit(world):
    job = run(world, fill(template_bytes(), three_children()))
    assert (job.state, job.kind, job.total_rows, job.imported, job.invalid) == ("done", "new", 3, 3, 0)
    students = {s.name: s for s in Student.objects.all()}
    assert set(students) == {"王小明", "李小红", "赵一鸣"}
    ming = students["王小明"]
    assert (ming.gender, ming.ethnicity, ming.nationality, ming.hk_mo_tw) == ("1", "01", "CHN", "00")
    assert (
        ming.xjh == "G" + ming.id_number and XjhAlias.objects.filter(number=ming.xjh, student=ming).exists()
    )
    assert ming.name_initials == "wxm" and ming.form_complete and not ming.is_complete  # R5.1: proof to come
    enrollment = Enrollment.objects.get(student=ming)
    assert (enrollment.grade, enrollment.entry_date, enrollment.origin) == (1, dt.date(2026, 9, 1), "new")
    assert enrollment.record_due == dt.date(2026, 10, 10)  # R5.1: a month from the import, later than entry
    assert Enrollment.objects.get(student=students["赵一鸣"]).school_class == world.class_a1
    assert FamilyMember.objects.filter(student=ming).count() == 2
    assert ming.history.get().history_user == world.registrar_a
    assert Enrollment.history.count() == 3 and FamilyMember.history.count() == 6
    events = AuditEvent.objects.filter(action="student.register")
    assert events.count() == 3 and all("R3.2" in e.rules for e in events)
    assert AuditEvent.objects.filter(action="students.bulk_import").count() == 1
    assert AuditEvent.objects.filter(action="import.run", subject_id=str(job.pk)).count() == 1


def test_code_or_name_in_coded_cells(world):
    rows = [
        child(dt.date(2020, 3, 15), 民族="01", 性别="1", 就读方式="1"),
        child(dt.date(2020, 4, 15), 民族="汉族", 性别="男", 就读方式="走读"),
        child(dt.date(2020, 5, 15), 民族="01 汉族", 性别="1-男", 就读方式="1 走读"),
    ]
    job = run(world, fill(template_bytes(), rows))
    assert job.imported == 3
    assert set(Student.objects.values_list("ethnicity", "gender")) == {("01", "1")}
    assert set(Enrollment.objects.values_list("attendance_mode", flat=True)) == {"1"}


def test_entry_month_as_number_and_date_cells(world):
    rows = [
        child(dt.date(2020, 3, 15), 入学年月=202609),
        child(dt.date(2020, 4, 15), 入学年月=dt.date(2026, 9, 2)),
    ]
    job = run(world, fill(template_bytes(), rows))
    assert job.imported == 2
    assert sorted(Enrollment.objects.values_list("entry_date", flat=True)) == [
        dt.date(2026, 9, 1),
        dt.date(2026, 9, 2),
    ]


# --------------------------------------------------------------------------- all or nothing


def test_r3_2_one_bad_row_refuses_the_whole_file_and_reports_it(world):
    rows = three_children()
    rows[1] = child(dt.date(2020, 9, 1), 姓名="钱小小")  # too young on 31 August (R3.2)
    job = run(world, fill(template_bytes(), rows))
    assert (job.state, job.imported, job.invalid) == ("refused", 0, 1)
    for model in (Student, FamilyMember, Enrollment, XjhAlias):
        assert not model.objects.exists(), model.__name__
    assert not AuditEvent.objects.filter(action="student.register").exists()
    lines = report(job)
    assert [line["导入结果"] for line in lines] == ["可导入", "有错误", "可导入"]
    assert said("R3.2") in lines[1]["错误说明"] and "【出生日期】" in lines[1]["错误说明"]
    assert lines[1]["姓名"] == "钱小小"


def test_valid_rows_only_imports_exactly_the_valid_rows_and_returns_the_rest(world):
    rows = three_children()
    rows.append(child(dt.date(2020, 6, 1), 姓名="孙悟", 民族="火星族"))
    good = make_id(dt.date(2020, 7, 1))
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")  # a check character that is not the right one
    rows.append(child(dt.date(2020, 7, 1), 姓名="周全", 身份证件号=wrong))
    job = run(world, fill(template_bytes(), rows), valid_only=True)
    assert (job.state, job.imported, job.invalid) == ("done", 3, 2)
    assert set(Student.objects.values_list("name", flat=True)) == {"王小明", "李小红", "赵一鸣"}
    lines = report(job)
    assert [line["姓名"] for line in lines] == ["孙悟", "周全"]
    assert lines[0]["错误说明"].startswith("【民族】") and said("R2.3") in lines[0]["错误说明"]
    assert lines[1]["错误说明"].startswith("【身份证件号】") and said("R6.3") in lines[1]["错误说明"]


def test_r6_2_reimporting_the_same_file_creates_nothing_twice(world):
    data = fill(template_bytes(), three_children())
    first = run(world, data)
    second = run(world, data)
    assert (first.imported, second.imported, second.present, second.state) == (3, 0, 3, "done")
    assert Student.objects.count() == 3 and Enrollment.objects.count() == 3


def test_r6_2_fixed_error_report_imports_the_rest(world):
    rows = three_children()
    rows.append(child(dt.date(2020, 6, 1), 姓名="孙悟", 民族="火星族"))
    first = run(world, fill(template_bytes(), rows), valid_only=True)
    fixed = [{**line, "民族": "汉族"} for line in report(first)]
    second = run(world, fill(services.report_path(first).read_bytes(), fixed))
    assert (second.imported, second.invalid) == (1, 0)
    assert Student.objects.count() == 4


def test_r6_2_same_child_twice_in_one_file(world):
    row = child(dt.date(2020, 3, 15))
    job = run(world, fill(template_bytes(), [row, {**row, "姓名": "王晓明"}]))
    assert job.state == "refused"
    assert "与第 2 行是同一学生" in report(job)[1]["错误说明"]


def test_r6_3_id_number_stored_as_a_number_is_explained(world):
    row = child(dt.date(2020, 3, 15))
    row["身份证件号"] = float(row["身份证件号"][:17] + "0")
    job = run(world, fill(template_bytes(), [row]))
    assert job.state == "refused"
    assert "文本" in report(job)[0]["错误说明"]


# --------------------------------------------------------------------------- same rules as one registration


def _single_refusal(world, student, enrollment) -> set[tuple[str, str]]:
    with pytest.raises(RuleViolation) as exc:
        student_register(
            actor=world.registrar_a,
            school=world.school_a,
            student=student,
            family=family_payload(),
            enrollment=enrollment,
        )
    return {(v.rule, v.code) for v in getattr(exc.value, "violations", [exc.value])}


@pytest.mark.parametrize(
    ("case", "student_changes", "row_changes", "enrollment_changes"),
    [
        ("R3.2 born 1 Sep", {"birth": dt.date(2020, 9, 1)}, {}, {}),
        ("R3.3 should have entered in 2025", {"birth": dt.date(2019, 8, 31)}, {}, {}),
        ("R3.1 not a starting grade", {}, {"年级": "三年级"}, {"grade": 3}),
        ("R4.1 grade not offered", {}, {"年级": "七年级"}, {"grade": 7}),
        ("R3.1 entry outside autumn", {}, {"入学年月": "2026-03-01"}, {"entry_date": "2026-03-01"}),
        ("R6.3 check character", {"id_bad": True}, {}, {}),
        ("R2.3 unknown code", {"ethnicity": "火星族"}, {"民族": "火星族"}, {}),
        ("R6.6 home teaching", {}, {"就读方式": "送教上门"}, {"attendance_mode": "4"}),
        ("R24.1 permit typed as ID", {"permit": True}, {}, {}),
    ],
)
def test_every_rule_refused_in_bulk_exactly_as_in_the_single_path(
    world, case, student_changes, row_changes, enrollment_changes
):
    birth = student_changes.get("birth", dt.date(2020, 3, 15))
    number = make_id(birth)
    if student_changes.get("id_bad"):
        number = number[:-1] + ("0" if number[-1] != "0" else "1")
    if student_changes.get("permit"):
        number = make_id(birth, region="810000")
    single = student_payload(birth, id_number=number)
    if "ethnicity" in student_changes:
        single["ethnicity"] = student_changes["ethnicity"]
    expected = _single_refusal(world, single, enrollment_payload(**enrollment_changes))
    job = run(world, fill(template_bytes(), [child(birth, 身份证件号=number, **row_changes)]))
    assert job.state == "refused", case
    reasons = report(job)[0]["错误说明"]
    for rule, _code in expected:
        assert said(rule) in reasons, (case, expected, reasons)
    assert not Student.objects.exists()


def test_r6_2_student_held_by_another_school_is_refused_naming_it(world):
    birth = dt.date(2020, 3, 15)
    number = make_id(birth)
    student_register(
        actor=world.registrar_c,
        school=world.school_c,
        student=student_payload(birth, id_number=number),
        family=family_payload(),
        enrollment=enrollment_payload(),
    )
    job = run(world, fill(template_bytes(), [child(birth, 身份证件号=number)]))
    assert job.state == "refused"
    assert said("R6.2") in report(job)[0]["错误说明"] and "文峰区东关小学" in report(job)[0]["错误说明"]


def test_r3_3_approved_late_entry_is_accepted_in_bulk(world):
    from xueji.students.services import entry_application_decide, entry_application_submit

    birth = dt.date(2019, 8, 31)
    number = make_id(birth)
    application = entry_application_submit(
        actor=world.registrar_a,
        school=world.school_a,
        data={
            "kind": "late_entry",
            "child_name": "王小明",
            "id_number": number,
            "entry_year": 2026,
            "reason": "随父母返乡",
            "guardian_name": "王建国",
            "guardian_phone": "13912345678",
        },
    )
    entry_application_decide(actor=world.officer, application=application, approve=True)
    job = run(world, fill(template_bytes(), [child(birth, 身份证件号=number)]))
    assert job.imported == 1
    assert "R3.3" in AuditEvent.objects.get(action="student.register").rules


# --------------------------------------------------------------------------- existing records


def test_r6_4_existing_records_keep_their_number_and_taken_numbers_are_refused(world):
    taken = student_import_existing(
        actor=world.registrar_c,
        school=world.school_c,
        xjh="L" + make_id(dt.date(2016, 3, 3), seq=401),
        student=student_payload(dt.date(2016, 3, 3)),
        enrollment=enrollment_payload(grade=4, entry_date="2022-09-01"),
    ).xjh
    rows = [
        child(
            dt.date(2016, 5, 5),
            学籍号="L" + make_id(dt.date(2016, 5, 5), seq=77),
            年级="四年级",
            入学年月="202209",
        ),
        child(dt.date(2016, 6, 6), 学籍号=taken, 年级="四年级", 入学年月="202209"),
    ]
    job = run(world, fill(template_bytes(layouts.EXISTING_RECORDS), rows), valid_only=True)
    assert (job.kind, job.imported, job.invalid) == ("existing", 1, 1)
    imported = Student.objects.get(birth_date=dt.date(2016, 5, 5))
    assert imported.xjh == rows[0]["学籍号"]
    assert Enrollment.objects.get(student=imported).origin == "imported"
    assert said("R6.4") in report(job)[0]["错误说明"]


# --------------------------------------------------------------------------- malformed files


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty_file"),
        (b"name,gender\n", "bad_file"),
        (bytes(range(256)) * 8192, "bad_file"),  # 2 MB of garbage
    ],
)
def test_malformed_upload_is_refused_at_once_with_a_message(world, data, code):
    with pytest.raises(RuleViolation) as exc:
        services.import_job_create(
            actor=world.registrar_a, school=world.school_a, data=data, original_name="x.xlsx"
        )
    assert exc.value.code == code and exc.value.message
    assert not ImportJob.objects.exists()


def _zip_of(name: str, content: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (_zip_of("hello.txt", b"not a workbook"), "无法读取"),
        (b"PK" + bytes(2_000_000), "无法读取"),
    ],
)
def test_zip_that_is_not_a_workbook_fails_the_job_with_a_message(world, data, words):
    job = run(world, data)
    assert job.state == "failed" and words in job.message
    assert not Student.objects.exists()


def test_workbook_without_header_or_rows_or_required_columns(world):
    empty_template = run(world, template_bytes())
    assert empty_template.state == "failed" and "没有学生数据" in empty_template.message
    buffer = io.BytesIO()
    workbooks.write_template(layouts.Layout("new", "x", layouts.STUDENT_COLUMNS[:3]), buffer)
    missing = run(world, fill(buffer.getvalue(), [child()]))
    assert missing.state == "failed" and "缺少必填列" in missing.message and "身份证件类型" in missing.message


def test_r2_2_only_the_schools_registrar_may_import(world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.import_job_create(
            actor=world.registrar_c, school=world.school_a, data=template_bytes(), original_name="x.xlsx"
        )


def test_a_row_imported_in_bulk_is_stored_exactly_as_one_registered_alone(world):
    """The bulk writer (COPY on PostgreSQL) leaves the rows ``save()`` leaves, history and audit included."""
    from django.forms.models import model_to_dict

    from xueji.exchange import reader

    birth = dt.date(2020, 3, 15)
    alone, in_bulk = (child(birth, 身份证件号=make_id(birth, seq=n), 班级="1") for n in (301, 302))
    row = reader.read_workbook(fill(template_bytes(), [alone])).rows[0]
    single = student_register(
        actor=world.registrar_a,
        school=world.school_a,
        student=row.student,
        family=row.family,
        enrollment=row.enrollment,
        school_class=world.class_a1,
    )
    assert run(world, fill(template_bytes(), [in_bulk])).imported == 1
    bulk = Student.objects.exclude(pk=single.pk).get()
    differ = {"id", "xjh", "id_number"}

    def same(a, b, skip=()):
        left, right = model_to_dict(a), model_to_dict(b)
        for key in differ | set(skip):
            left.pop(key, None), right.pop(key, None)
        assert left == right

    same(single, bulk)
    assert bulk.created_at and bulk.updated_at and bulk.name_initials == single.name_initials
    same(single.enrollments.get(), bulk.enrollments.get(), skip=("student",))
    for a, b in zip(single.family.all(), bulk.family.all(), strict=True):
        same(a, b, skip=("student",))
    history = [
        (h.history_type, h.history_user_id, h.history_change_reason or "", h.name, h.is_complete)
        for h in (single.history.get(), bulk.history.get())
    ]
    assert history[0] == history[1]
    assert Enrollment.history.filter(student_id=bulk.pk).get().school_class_id == world.class_a1.pk
    events = {e.subject_id: e for e in AuditEvent.objects.filter(action="student.register")}
    a, b = events[str(single.pk)], events[str(bulk.pk)]
    assert (a.rules, a.school_id, a.district_code, a.actor_id) == (
        b.rules,
        b.school_id,
        b.district_code,
        b.actor_id,
    )
    assert a.changes["origin"] == b.changes["origin"] and b.changes["xjh"] == [None, mask_xjh(bulk.xjh)]


def test_r6_2_same_id_in_this_school_with_another_name_is_an_error_not_a_skip(world):
    row = child(dt.date(2020, 3, 15))
    run(world, fill(template_bytes(), [row]))
    job = run(world, fill(template_bytes(), [{**row, "姓名": "于熙轩"}]))
    assert (job.state, job.present, job.invalid) == ("refused", 0, 1)
    assert "姓名或出生日期与本行不同" in report(job)[0]["错误说明"]


def test_entry_month_typed_into_a_date_cell_is_read_as_year_and_month(world):
    import xlsxwriter
    from python_calamine import CalamineWorkbook

    headers = (
        CalamineWorkbook.from_filelike(io.BytesIO(template_bytes()))
        .get_sheet_by_name("学生信息")
        .to_python()[0]
    )
    row = child(dt.date(2020, 3, 15))
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("学生信息")
    as_date = book.add_format({"num_format": "yyyy-mm-dd"})
    for col, header in enumerate(headers):
        sheet.write_string(0, col, header)
        if header == "入学年月":
            sheet.write_number(1, col, 202609, as_date)  # Excel shows 2454-09-…; the registrar typed 202609
        elif row.get(header) is not None:
            sheet.write_string(1, col, str(row[header]))
    book.close()
    job = run(world, buffer.getvalue())
    assert job.imported == 1
    assert Enrollment.objects.get().entry_date == dt.date(2026, 9, 1)


def test_report_keeps_the_original_row_numbers(world):
    rows = three_children() + [child(dt.date(2020, 6, 1), 姓名="孙悟", 民族="火星族")]
    job = run(world, fill(template_bytes(), rows), valid_only=True)
    assert [line["原行号"] for line in report(job)] == [5]


def test_summary_counts_records_still_incomplete(world):
    job = run(world, fill(template_bytes(), [child(dt.date(2020, 3, 15), 籍贯=None)]))
    assert job.imported == 1 and "1 名学生的国家学籍表必填项（★）尚未填全" in job.message


def test_an_empty_file_is_named_as_empty(world):
    with pytest.raises(RuleViolation, match="文件是空的"):
        services.import_job_create(
            actor=world.registrar_a, school=world.school_a, data=b"", original_name="a.xlsx"
        )


def test_r5_1_blank_optional_cells_are_recorded_as_the_instructions_say(world):
    """A blank cell with a default is stored as that default, as in a single registration, and the
    instructions sheet says so column by column; completeness is judged on the stored record."""
    job = run(
        world,
        fill(template_bytes(), [child(dt.date(2020, 3, 15), **{"国籍/地区": None, "是否留守儿童": None})]),
    )
    student = Student.objects.get()
    assert job.imported == 1
    assert (student.nationality, student.left_behind, student.form_complete) == ("CHN", "0", True)
    notes = (
        CalamineWorkbook.from_filelike(io.BytesIO(template_bytes())).get_sheet_by_name("填写说明").to_python()
    )
    text = "\n".join("\t".join(str(cell) for cell in row) for row in notes)
    assert "是否留守儿童\t第 37 项\t选填\t" in text and "留空记为“非留守儿童”" in text
    assert "留空记为“中国”" in text


def test_r5_1_a_blank_star_cell_without_default_leaves_the_record_incomplete(world):
    run(world, fill(template_bytes(), [child(dt.date(2020, 3, 15), 是否独生子女=None)]))
    student = Student.objects.get()
    assert student.only_child is None and not student.is_complete
