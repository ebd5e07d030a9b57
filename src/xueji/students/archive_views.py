"""The archive copies a school keeps (R8.1): the records that left it (已转出, 升学) or ended with it,
each a frozen snapshot — its page, its list with a search, and verification on demand. Read-only:
there is nothing to change here, only to read and to verify."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render

from xueji.audit import actions
from xueji.audit.services import access_record, masked_query
from xueji.core.pagination import CappedPaginator
from xueji.core.web import AuthenticatedRequest, route
from xueji.students import handover, selectors

PAGE_SIZE = 50


@route("students:archives")
def archive_list(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    q = request.GET.get("q", "")[:50]
    access_record(actor=user, action=actions.STUDENT_SEARCH, note=f"archives q={masked_query(q)}")  # R21.1
    page = CappedPaginator(selectors.archives(requested_by=user, q=q), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "students/archives.html", {"page": page, "q": q})


@route("students:archive")
def archive_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = request.user
    snapshot = selectors.archive_get(requested_by=user, pk=pk)
    access_record(actor=user, action=actions.ARCHIVE_VIEW, subject=snapshot, school=snapshot.school)  # R21.1
    return render(request, "students/archive.html", {"a": snapshot})


@route("students:archive_verify")
def archive_verify(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Recompute the digests (POST only); the result is logged and shown on the snapshot's page."""
    user = request.user
    snapshot = selectors.archive_get(requested_by=user, pk=pk)
    if request.method == "POST":
        result = handover.archive_verify(actor=user, snapshot=snapshot)
        if result.intact:
            messages.success(request, f"校验通过：档案内容及 {result.files} 份材料与备份时完全一致。")
        else:
            for problem in result.problems:
                messages.error(request, f"校验未通过：{problem}请报区教育局核查（第八条）。")
    return redirect("students:archive", pk=snapshot.pk)
