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
    path("<int:pk>/documents/", views.document_upload, name="document_upload"),
    path("documents/<int:pk>/", views.document, name="document"),
    path("documents/<int:pk>/remove/", views.document_remove, name="document_remove"),
    path("<int:pk>/print/", views.print_form, name="print"),
    path("<int:pk>/letters/<slug:key>/", views.print_letter, name="letter"),
    path("<int:pk>/platform/", views.platform, name="platform"),
    # A kind's own verb (its key, as the kind declares it): after the engine's fixed ones.
    path("<int:pk>/<slug:action>/", views.extra_action, name="action"),
]
