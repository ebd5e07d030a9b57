from django.urls import path

from xueji.exchange import views

app_name = "exchange"
urlpatterns = [
    path("", views.import_page, name="import"),
    path("templates/<str:kind>.xlsx", views.template_download, name="template"),
    path("continuing/", views.continuing, name="continuing"),
    path("continuing/template.xlsx", views.continuing_template, name="continuing_template"),
    path("archive/", views.archive_records, name="archive"),
    path("archive/<slug:kind>.xlsx", views.archive_template, name="archive_template"),
    path("evidence/", views.evidence_upload, name="evidence"),
    path("jobs/<int:pk>/", views.job_page, name="job"),
    path("jobs/<int:pk>/status/", views.job_status, name="job_status"),
    path("jobs/<int:pk>/report.xlsx", views.job_report, name="job_report"),
]
