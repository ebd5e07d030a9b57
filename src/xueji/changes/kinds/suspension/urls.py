from django.urls import path

from xueji.changes.kinds.suspension import views

app_name = "suspension"
urlpatterns = [
    path("suspension/new/", views.new, name="new"),
    path("suspension/", views.periods, name="list"),
]
