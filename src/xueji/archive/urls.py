from django.urls import path

from xueji.archive import views

app_name = "archive"
urlpatterns = [
    path("students/<int:pk>/", views.student_archive, name="student"),
    path("students/<int:pk>/<slug:kind>/new/", views.entry_add, name="add"),
    path("entries/<int:pk>/", views.entry_edit, name="edit"),
    path("students/<int:pk>/paper/", views.paper_record, name="paper_record"),
    path("paper/", views.paper_ledger, name="paper"),
    path("receipts/", views.receipts, name="receipts"),
]
