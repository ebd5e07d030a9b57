from django.contrib import admin
from django.urls import include, path

from xueji import home, manual
from xueji.api import api
from xueji.changes.kinds.registry import KINDS
from xueji.org.urls import top_urlpatterns

admin.site.site_header = "学籍管理系统 · 基础数据"
admin.site.site_title = "学籍管理系统"

urlpatterns = [
    path("", home.home, name="home"),
    path("help/", manual.manual, name="manual"),
    path("help/<slug:role>/", manual.manual_role, name="manual_role"),
    *top_urlpatterns,
    path("", include("xueji.org.urls")),
    path("students/", include("xueji.students.urls")),
    path("archive/", include("xueji.archive.urls")),
    path("audit/", include("xueji.audit.urls")),
    # Each kind's own pages (its start form, …) under cases/, in its own namespace, before the
    # generic case pages.
    *(path("cases/", include(kind.urls)) for kind in KINDS.values() if kind.urls),
    path("cases/", include("xueji.changes.urls")),
    path("import/", include("xueji.exchange.urls")),
    path("exports/", include("xueji.exchange.export_urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

handler404 = "xueji.core.web.page_not_found"
