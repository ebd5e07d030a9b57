"""The OpenAPI document: loads, lists every path, documents errors and the bearer scheme in Chinese."""

from __future__ import annotations

from django.test import Client

from tests.api.conftest import API


def test_openapi_json_lists_the_paths(db):
    response = Client().get(f"{API}/openapi.json")

    assert response.status_code == 200
    spec = response.json()
    assert spec["info"]["title"] == "学籍管理系统 API"
    assert {
        f"{API}/auth/token",
        f"{API}/schools",
        f"{API}/schools/{{code}}",
        f"{API}/schools/{{code}}/classes",
        f"{API}/students",
        f"{API}/students/search",
        f"{API}/students/import-existing",
        f"{API}/students/{{student_id}}",
        f"{API}/students/{{student_id}}/history",
        f"{API}/students/{{student_id}}/evidence",
        f"{API}/students/{{student_id}}/evidence/{{evidence_id}}/download",
        f"{API}/students/{{student_id}}/periods",
        f"{API}/students/{{student_id}}/follow-ups",
        f"{API}/cases",
        f"{API}/cases/inbox",
        f"{API}/cases/transfer/verify",
        f"{API}/cases/transfer",
        f"{API}/cases/{{case_id}}",
        f"{API}/cases/{{case_id}}/submit",
        f"{API}/cases/{{case_id}}/approve",
        f"{API}/cases/{{case_id}}/reject",
        f"{API}/cases/{{case_id}}/return",
        f"{API}/cases/{{case_id}}/withdraw",
        f"{API}/cases/{{case_id}}/exception",
        f"{API}/cases/{{case_id}}/platform",
        f"{API}/cases/{{case_id}}/documents",
        f"{API}/cases/{{case_id}}/documents/{{document_id}}/download",
        # The suspension family's starts (R12): each kind adds its own.
        f"{API}/cases/suspension",
        f"{API}/cases/extension",
        f"{API}/cases/resumption",
        f"{API}/cases/abroad",
        f"{API}/cases/abroad_return",
        f"{API}/cases/transfer_out",
        # Dropout and return (R13).
        f"{API}/cases/dropout",
        f"{API}/cases/dropout_return",
        f"{API}/cases/information",
        # Repetition and skipping (R14.1).
        f"{API}/cases/repetition",
        f"{API}/cases/skip",
        # Death and missing students (R15).
        f"{API}/cases/missing",
        f"{API}/cases/found",
        f"{API}/cases/death",
        # The school year: promotion (R14.2) and 升学 (R6.5).
        f"{API}/school-year/promotions",
        f"{API}/school-year/promotions/{{code}}/preview",
        f"{API}/school-year/promotions/confirm",
        f"{API}/school-year/promotions/return",
        f"{API}/school-year/continuing",
    } == set(spec["paths"])


def test_operations_have_chinese_summaries_and_documented_errors(db):
    spec = Client().get(f"{API}/openapi.json").json()

    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert any("\u4e00" <= ch <= "\u9fff" for ch in operation["summary"]), (method, path)
            codes = set(operation["responses"])
            assert "422" in codes, (method, path)
            if path != f"{API}/auth/token":
                assert {"401", "403", "404"} <= codes, (method, path)
                assert operation["security"] == [{"BearerToken": []}]
    assert spec["components"]["securitySchemes"]["BearerToken"] == {"type": "http", "scheme": "bearer"}


def test_register_schema_documents_the_form_fields_with_chinese_titles(db):
    schemas = Client().get(f"{API}/openapi.json").json()["components"]["schemas"]

    student = schemas["StudentIn"]["properties"]
    assert student["name"]["title"] == "姓名"
    assert student["household_place_code"]["title"] == "户口所在地"
    assert schemas["StudentIn"]["additionalProperties"] is False
    assert schemas["StudentDetailOut"]["properties"]["id_number"]["title"] == "身份证件号"


def test_docs_page_loads(db):
    response = Client().get(f"{API}/docs")

    assert response.status_code == 200
    assert b"openapi.json" in response.content


def test_the_input_schemas_declare_the_codes_and_formats_the_server_enforces():
    """Every field of a student, a family member and an enrollment declares its canonical form:
    a code table as an enum (codes and names, both accepted), a date's format, a text's length."""
    from xueji.api import api
    from xueji.students import validation

    schemas = api.get_openapi_schema()["components"]["schemas"]
    for name, spec in (
        ("StudentIn", validation.STUDENT_FIELDS),
        ("FamilyMemberIn", validation.FAMILY_FIELDS),
        ("EnrollmentIn", validation.ENROLLMENT_FIELDS),
    ):
        properties = schemas[name]["properties"]
        assert set(properties) == set(spec), name
        for field, prop in properties.items():
            declared, null = prop["anyOf"]
            assert null == {"type": "null"} and declared.get("type") in {
                "string",
                "integer",
                "number",
                "boolean",
            }
            assert len(declared) > 1 or declared["type"] == "boolean", (name, field, declared)
    student = schemas["StudentIn"]["properties"]
    assert {"1", "2", "男", "女"} == set(student["gender"]["anyOf"][0]["enum"])
    assert student["birth_date"]["anyOf"][0]["format"] == "date"
    assert student["native_place"]["anyOf"][0]["maxLength"] == 50
    assert schemas["EnrollmentIn"]["properties"]["grade"]["anyOf"][0] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 9,
    }
