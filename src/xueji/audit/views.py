from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from xueji.audit.selectors import audit_event_list
from xueji.core.web import route


@route("audit:events")
def events(request: HttpRequest) -> HttpResponse:
    action = request.GET.get("action", "")[:50]
    page = Paginator(audit_event_list(requested_by=request.user, action=action), 100).get_page(
        request.GET.get("page")
    )
    return render(request, "audit/events.html", {"page": page, "action": action})
