"""The product's URLs plus two reference views for the API benchmark.

- ``bench/bare/<id>``: what a minimal Django JSON endpoint does — one indexed query, no
  authentication, no schema. The goal is stated against it.
- ``bench/floor/<id>``: the statements the detail must run, in hand-written SQL and nothing else —
  the bearer token's user, the student with the current enrollment inside that user's scope, the
  family, and the R21.1 access-log row committed before the answer. No ORM, no schema, no
  masking. It is the most any implementation of the detail could reach on this server.

All run in the same gunicorn workers, middleware and database as the product.
"""

import hashlib
import json

from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import path

from xueji.students.models import Student
from xueji.urls import urlpatterns as product_urlpatterns

USER_BY_DIGEST_SQL = """
SELECT u.id, u.school_id, j.code, j.level FROM org_apitoken t
JOIN org_user u ON u.id = t.user_id LEFT JOIN org_jurisdiction j ON j.id = u.jurisdiction_id
WHERE t.digest = %s AND t.expires_at > now() AND u.is_active
"""
STUDENT_SQL = """
SELECT s.*, e.grade, e.status, e.record_due, sc.id AS school_pk, sc.code AS school_code, sc.name AS school_name,
       d.code AS district_code, c.number AS class_number
FROM students_enrollment e JOIN students_student s ON s.id = e.student_id
JOIN org_school sc ON sc.id = e.school_id JOIN org_jurisdiction d ON d.id = sc.district_id
LEFT JOIN org_schoolclass c ON c.id = e.school_class_id
WHERE e.student_id = %s AND e.is_current AND (sc.id = %s OR d.code LIKE %s)
"""
FAMILY_SQL = "SELECT * FROM students_familymember WHERE student_id = %s ORDER BY position"
LOG_SQL = """
INSERT INTO audit_auditevent (at, action, subject_type, subject_id, district_code, changes, rules, note,
                              actor_id, school_id)
VALUES (now(), 'student.view', 'Student', %s, %s, '{}', '["R21.1"]', 'api', %s, %s)
"""


def bare_student(request: HttpRequest, pk: int) -> JsonResponse:
    row = Student.objects.filter(pk=pk).values("id", "xjh", "name", "gender", "birth_date").first()
    if row is None:
        raise Http404
    return JsonResponse(row)


def floor_student(request: HttpRequest, pk: int) -> HttpResponse:
    raw = request.headers.get("Authorization", "").removeprefix("Bearer ")
    with connection.cursor() as cursor:
        cursor.execute(USER_BY_DIGEST_SQL, [hashlib.sha256(raw.encode()).hexdigest()])
        user = cursor.fetchone()
        if user is None:
            return HttpResponse(status=401)
        user_id, school_id, code, level = user
        prefix = (
            {"province": (code or "")[:2], "city": (code or "")[:4]}.get(level, code or "") if code else "-"
        )
        cursor.execute(STUDENT_SQL, [pk, school_id or 0, prefix + "%"])
        row = cursor.fetchone()
        if row is None:
            raise Http404
        student = dict(zip([c.name for c in cursor.description], row, strict=True))
        cursor.execute(FAMILY_SQL, [pk])
        names = [c.name for c in cursor.description]
        student["family"] = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
        cursor.execute(LOG_SQL, [str(pk), student["district_code"], user_id, student["school_pk"]])
    return HttpResponse(json.dumps(student, default=str, ensure_ascii=False), content_type="application/json")


urlpatterns = [
    path("bench/bare/<int:pk>", bare_student),
    path("bench/floor/<int:pk>", floor_student),
    *product_urlpatterns,
]
