from django.urls import path

from xueji.exchange import views

app_name = "exports"
urlpatterns = [
    path("", views.export_list, name="list"),
    path("<int:pk>/", views.export_job_page, name="job"),
    path("<int:pk>/status/", views.export_job_status, name="job_status"),
    path("<int:pk>/download.xlsx", views.export_download, name="download"),
]
