from django.urls import path

from xueji.changes import views

app_name = "changes"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("export.xlsx", views.export, name="export"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/approve/", views.approve, name="approve"),
    path("<int:pk>/reject/", views.reject, name="reject"),
    path("<int:pk>/return/", views.return_, name="return"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/exception/", views.exception, name="exception"),
    path("<int:pk>/documents/", views.document_upload, name="document_upload"),
    path("documents/<int:pk>/", views.document, name="document"),
    path("transfer/verify/", views.transfer_verify_page, name="transfer_verify"),
    path("transfer/new/", views.transfer_new, name="transfer_new"),
    path("transfer/external/", views.transfer_external, name="transfer_external"),
    path("batches/", views.batches, name="batches"),
    path("batches/pdf/", views.batch_pdf, name="batch_pdf"),
    path("batches/xlsx/", views.batch_xlsx, name="batch_xlsx"),
]
