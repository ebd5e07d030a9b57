from django.urls import path

from xueji.changes.kinds.transfer import views

app_name = "transfer"
urlpatterns = [
    path("transfer/verify/", views.transfer_verify_page, name="verify"),
    path("transfer/new/", views.transfer_new, name="new"),
    path("transfer/external/", views.transfer_external, name="external"),
    # The district's 《转学备案汇总表》 (R10.4).
    path("batches/", views.batches, name="batches"),
    path("batches/approve/", views.batch_approve, name="batch_approve"),
    path("batches/pdf/", views.batch_pdf, name="batch_pdf"),
    path("batches/xlsx/", views.batch_xlsx, name="batch_xlsx"),
]
