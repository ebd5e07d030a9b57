"""The archive copies a school keeps (R8.1): the records that left it (已转出, 升学) or ended with it,
each a frozen snapshot — its page, its list with a search, and verification on demand. Read-only:
there is nothing to change here, only to read and to verify."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header

from xueji.audit import actions
from xueji.audit.services import access_record, masked_query
from xueji.core import clock, saved_search
from xueji.core.pagination import CappedPaginator
from xueji.core.web import AuthenticatedRequest, route
from xueji.students import handover, selectors

PAGE_SIZE = 50


@route("students:archives")
def archive_list(request: AuthenticatedRequest) -> HttpResponseBase:
    user = request.user
    # R21.1: the terms are posted and kept on the server; the URL carries only their key.
    params, key, moved = saved_search.resolve(request, "students:archives", ("q",))
    if moved is not None:
        return moved
    q = params.get("q", "")[:50]
    access_record(
        actor=user, action=actions.STUDENT_SEARCH, note=f"已转出档案查询“{masked_query(q)}”"
    )  # R21.1
    page = CappedPaginator(selectors.archives(requested_by=user, q=q), PAGE_SIZE).get_page(params.get("page"))
    page_base = f"?s={key}&" if key else "?"
    return render(request, "students/archives.html", {"page": page, "q": q, "page_base": page_base})


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


@route("students:archive_package")
def archive_package(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """R8.1, R21.1: the hand-over package for a receiving school outside this deployment — the
    record's summary, every document and the manifest in one ZIP. It exists once the case's
    district step approved the transfer (the snapshot is taken on that approval); only the keeping
    school's staff download it; every download is logged; a snapshot that fails verification is
    not sent."""
    user = request.user
    snapshot = selectors.archive_get(requested_by=user, pk=pk)
    if not snapshot.sends_package or user.school_id != snapshot.school_id:
        raise Http404
    checked = handover.archive_verify(actor=user, snapshot=snapshot)
    if not checked.intact:
        for problem in checked.problems:
            messages.error(request, f"不能生成移交包：{problem}请报区教育局核查（第八条）。")
        return redirect("students:archive", pk=snapshot.pk)
    from xueji.students.archive_printing import package_zip  # reportlab loads only when printing

    now = timezone.localtime(clock.now())
    data = package_zip(
        snapshot=snapshot,
        printed_by=f"{user.full_name or user.username}（{user.unit_name}）",
        printed_at=f"{now:%Y-%m-%d %H:%M}",
    )
    access_record(
        actor=user,
        action=actions.ARCHIVE_PACKAGE,
        subject=snapshot,
        school=snapshot.school,
        note=snapshot.destination,
    )
    response = HttpResponse(data, content_type="application/zip")
    disposition = content_disposition_header(
        True, f"学籍档案移交包-{snapshot.student.name}-{snapshot.reference}.zip"
    )
    assert disposition is not None  # None only without a file name
    response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    return response
