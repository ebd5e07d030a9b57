from django.urls import path

from xueji.changes.kinds.information import views

app_name = "information"
urlpatterns = [path("information/new/", views.new, name="new")]
