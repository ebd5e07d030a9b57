"""`xueji gen_demo`: synthetic students that pass the product's own identity and age rules."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.forms.models import model_to_dict

from xueji.core import identity
from xueji.demo import district as demo_district
from xueji.demo import people as demo_people
from xueji.demo.generate import CLASS_SIZE, DISTRICTS, _cn_number
from xueji.demo.management.commands.gen_demo import Command
from xueji.org.models import Jurisdiction, Role, School, SchoolClass, SchoolYear, User
from xueji.students import rules, selectors
from xueji.students.models import Enrollment, Evidence, FamilyMember, Student, XjhAlias

N = 300


def gen(*args: str) -> str:
    out = io.StringIO()
    # The command instance, so the test does not depend on xueji.demo being in INSTALLED_APPS.
    call_command(Command(), *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def generated(db):
    return gen("--students", str(N), "--districts", "2")


def officer_of(code: str) -> User:
    return User.objects.create(
        username=f"officer_{code}",
        role=Role.DISTRICT_OFFICER,
        jurisdiction=Jurisdiction.objects.get(code=code),
        full_name="周科长",
    )


def test_districts_are_real_regions_apart_from_the_demo():
    demo_codes = {code for code, *_ in demo_district.JURISDICTIONS}
    demo_regions = set(demo_people.MIGRANT_REGIONS).union(*demo_people.HOME_REGIONS.values())
    for d in DISTRICTS:
        known, name = identity.region_info(d.code)
        assert known and name.endswith(d.name), d.code
        assert d.code not in demo_codes | demo_regions
        assert d.code[:4] == "4101"  # one city: a city-level account sees them all


def test_counts_and_report(generated):
    assert "300 名学生" in generated
    assert Student.objects.count() == N
    assert XjhAlias.objects.filter(is_current=True).count() == N
    assert Enrollment.objects.filter(is_current=True, status="01", origin="imported").count() == N
    assert set(School.objects.values_list("district__code", flat=True)) == {d.code for d in DISTRICTS[:2]}
    assert Jurisdiction.objects.get(code="410100").level == "city"
    assert SchoolYear.objects.filter(start_year=2026).exists()  # created: the test database had none
    guardians = FamilyMember.objects.filter(is_guardian=True).values("student").distinct().count()
    assert guardians == N


def test_r6_3_every_id_number_is_valid_and_matches_the_record(generated):
    for s in Student.objects.prefetch_related(
        "xjh_aliases", "family", "evidence", "enrollments__school__district"
    ):
        info = identity.parse_resident_id(s.id_number)
        identity.check_resident_id_matches(info, birth_date=s.birth_date, gender=s.gender)
        assert info.region_known
        assert info.region_code == s.enrollments.get().school.district.code
        assert s.xjh == identity.validate_xjh(s.xjh) == identity.g_number(s.id_number)  # R6.4
        assert [a.number for a in s.xjh_aliases.all()] == [s.xjh]
        for member in s.family.all():
            if member.id_number:
                identity.validate_document(id_type=member.id_type, raw=member.id_number)
        assert (s.name_pinyin, s.name_initials) == rules.pinyin_of(s.name)
        family = [model_to_dict(m) for m in s.family.all()]
        assert s.form_complete == (not rules.missing_fields(model_to_dict(s), family))  # R5.1
        proofs = [e.category for e in s.evidence.all()]
        assert proofs in ([], ["household"])
        assert s.is_complete == (s.form_complete and proofs == ["household"])


def test_r3_2_age_fits_the_grade_of_the_current_school_year(generated):
    year = 2026
    for e in Enrollment.objects.select_related("student", "school", "school_class"):
        entered_grade_1 = year - (e.grade - 1)
        # Old enough for grade 1 in that autumn, and not already old enough a year before (R3.2, R3.3).
        assert (
            rules.age_cutoff(entered_grade_1 - 1) < e.student.birth_date <= rules.age_cutoff(entered_grade_1)
        )
        assert e.school.offers_grade(e.grade)
        assert e.school_class.school_id == e.school_id and e.school_class.grade == e.grade
        assert e.entry_date.month == 9 and e.entry_date < e.record_due
    sizes = [c.enrollments.count() for c in SchoolClass.objects.all()]
    assert max(sizes) <= CLASS_SIZE


def test_students_are_visible_to_an_officer_of_their_district_only(generated):
    first, second = DISTRICTS[0].code, DISTRICTS[1].code
    officer = officer_of(first)
    mine = Enrollment.objects.filter(school__district__code=first).count()
    assert 0 < mine < N
    assert selectors.enrollment_search(requested_by=officer).count() == mine
    theirs = Student.objects.filter(enrollments__school__district__code=second).first()
    assert not selectors.enrollment_search(requested_by=officer, q=theirs.id_number).exists()
    own = Student.objects.filter(enrollments__school__district__code=first).first()
    for q in (own.id_number, own.xjh, own.name, own.name_initials):
        assert own.pk in {e.student_id for e in selectors.enrollment_search(requested_by=officer, q=q)}


def test_a_second_run_adds_n_more_in_new_schools(generated):
    schools = set(School.objects.values_list("code", flat=True))
    gen("--students", str(N), "--districts", "2")
    assert Student.objects.count() == 2 * N
    assert Student.objects.values("id_number").distinct().count() == 2 * N
    assert XjhAlias.objects.values("number").distinct().count() == 2 * N
    assert schools < set(School.objects.values_list("code", flat=True))  # new schools, old ones kept


def test_the_same_seed_gives_the_same_students(db):
    gen("--students", "40", "--seed", "7")
    first = list(Student.objects.order_by("pk").values_list("name", "id_number"))
    Enrollment.objects.all().delete()
    FamilyMember.objects.all().delete()
    XjhAlias.objects.all().delete()
    Evidence.objects.all().delete()
    Student.objects.all().delete()
    gen("--students", "40", "--seed", "7")
    assert list(Student.objects.order_by("pk").values_list("name", "id_number")) == first


def test_refuses_in_production(db, settings):
    settings.ENV = "production"
    with pytest.raises(CommandError, match="生产环境") as refused:
        gen("--students", "10")
    assert "production" in str(refused.value)
    assert not Student.objects.exists() and not School.objects.exists()


def test_refuses_bad_arguments(db):
    with pytest.raises(CommandError, match="至少为 1"):
        gen("--students", "0")
    with pytest.raises(CommandError, match="区县数"):
        gen("--students", "10", "--districts", str(len(DISTRICTS) + 1))


def test_districts_by_code(db):
    gen("--students", "30", "--districts", "410185")
    assert set(School.objects.values_list("district__code", flat=True)) == {"410185"}
    with pytest.raises(CommandError, match="410503"):  # the demo's district is not ours to fill
        gen("--students", "10", "--districts", "410185,410503")


def test_runs_as_xueji_gen_demo(db):
    call_command("gen_demo", "--students", "20", stdout=io.StringIO(), stderr=io.StringIO())
    assert Student.objects.count() == 20


@pytest.mark.parametrize(
    ("n", "text"), [(1, "一"), (10, "十"), (12, "十二"), (20, "二十"), (105, "一百零五"), (110, "一百一十")]
)
def test_school_numbers_in_chinese(n, text):
    assert _cn_number(n) == text
