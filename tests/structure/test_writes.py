"""R2.3: every write goes through a service. This test reads the code (its syntax tree) and refuses
a model or queryset write — ``.save()``, ``.delete()``, ``.create()``, ``.update()``,
``.bulk_create()`` and their kin — anywhere but in the modules that are services (every app's
``services.py``, the students app's status writer and archive seams, the engine's kinds' services)
and the explicit allowlist below, each with its reason. The allowlist only shrinks."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "xueji"
WRITES = {
    "save",
    "delete",
    "create",
    "update",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
    "bulk_history_create",
}
# Modules whose job is to write (services by another name).
SERVICE_MODULES = {
    "students/status.py",  # the one writer of a student's status, grade, school and class
    "students/handover.py",  # the archive's seams, called inside the moving service's transaction
    "students/bulk.py",  # the import's bulk writer, called by exchange.services
    "students/completeness.py",  # R5.1's derived flag, recomputed inside the calling service's transaction
    "org/policy.py",  # policy_set, the district's limits
    "org/tokens.py",  # api_token_issue, called by the login endpoint
    "org/second_factor.py",  # the second factor's services: enrol, verify, reset (R21.1)
    "exchange/export_jobs.py",  # the export jobs' services: create, run, purge
    "audit/services.py",  # the one audit path
    "core/bulk_insert.py",  # COPY / prepared INSERT, used by the bulk writers above
    "core/saved_search.py",  # a page's search terms kept under a key (R21.1), not a record
}
# Everything else that writes, and why. Keep it short; remove an entry when its reason goes.
ALLOWED: dict[str, str] = {
    "demo/generate.py": "synthetic data at scale written with COPY and bulk inserts; refuses to run in production",
    "changes/kinds/transfer/batch.py": "reportlab's canvas save() (the PDF), not a model",
}


def _module(path: Path) -> str:
    return path.relative_to(SRC).as_posix()


def _is_service(module: str) -> bool:
    return module.endswith("services.py") or module in SERVICE_MODULES


def _writes(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WRITES:
            target = ast.unparse(node.func.value)
            # dict.update(), set.update() and the like are not writes: only model managers,
            # querysets and model instances are. A write is a call on ``.objects``, a queryset
            # method chain, or a ``.save()``/``.delete()`` on a model instance.
            if node.func.attr in ("update", "create") and not _looks_like_queryset(target):
                continue
            if node.func.attr in ("save", "delete") and _is_not_model(target):
                continue
            if any(
                k.arg == "commit" and isinstance(k.value, ast.Constant) and k.value.value is False
                for k in node.keywords
            ):
                continue  # a form's save(commit=False) builds objects; the service saves them
            found.append((node.lineno, f"{target}.{node.func.attr}()"))
    return found


def _looks_like_queryset(target: str) -> bool:
    return any(
        marker in target
        for marker in (".objects", ".filter(", ".exclude(", ".all()", "select_for_update", "history", "_set")
    ) or target.endswith(("rows", "late", "qs"))


def _is_not_model(target: str) -> bool:
    # Files, workbooks, sessions and the like also have save()/delete(); an API router's delete()
    # declares a DELETE operation.
    return any(
        word in target
        for word in ("workbook", "pdf", "canvas", "request.session", "storage", "path", "Path", "router")
    )


def _candidates() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if "migrations" not in p.parts)


def test_r2_3_no_model_or_queryset_write_outside_services():
    offenders = []
    for path in _candidates():
        module = _module(path)
        if _is_service(module) or module in ALLOWED:
            continue
        offenders += [f"{module}:{line} {call}" for line, call in _writes(path)]
    assert not offenders, (
        "writes outside services (call a service, or add to ALLOWED with a reason):\n" + "\n".join(offenders)
    )


@pytest.mark.parametrize("module", sorted(ALLOWED))
def test_the_allowlist_holds_only_modules_that_still_write(module):
    assert _writes(SRC / module), f"{module} writes nothing any more: remove it from ALLOWED"


def test_the_check_sees_the_writes_it_must_refuse(tmp_path):
    sample = tmp_path / "views.py"
    sample.write_text(
        "def view(request, case):\n"
        "    case.save()\n"
        "    Case.objects.filter(pk=1).update(state='x')\n"
        "    Enrollment.objects.create(grade=1)\n"
        "    form.save(commit=False)\n"
        "    facts.update({'a': 1})\n",
        encoding="utf-8",
    )
    assert [call for _line, call in _writes(sample)] == [
        "case.save()",
        "Case.objects.filter(pk=1).update()",
        "Enrollment.objects.create()",
    ]
