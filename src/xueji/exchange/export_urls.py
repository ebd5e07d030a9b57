from django.urls import path

from xueji.exchange import export_request_views, views

app_name = "exports"
urlpatterns = [
    path("", views.export_list, name="list"),
    path("<int:pk>/", views.export_job_page, name="job"),
    path("<int:pk>/status/", views.export_job_status, name="job_status"),
    path("<int:pk>/download.xlsx", views.export_download, name="download"),
    # R21.1: unmasked exports only with the district's written approval.
    path("requests/", export_request_views.request_list, name="requests"),
    path("requests/new/", export_request_views.request_new, name="request_new"),
    path("requests/<int:pk>/", export_request_views.request_page, name="request"),
    path("requests/<int:pk>/sheet.pdf", export_request_views.request_sheet, name="request_sheet"),
    path("requests/<int:pk>/download.xlsx", export_request_views.request_download, name="request_download"),
]
