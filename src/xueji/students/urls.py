from django.urls import path

from xueji.students import (
    archive_views,
    card_views,
    placement_views,
    progression_views,
    promotion_views,
    views,
)

app_name = "students"
urlpatterns = [
    path("", views.search, name="search"),
    path("promotion/", promotion_views.promotion, name="promotion"),
    path("promotion/classes/", promotion_views.classes, name="promotion_classes"),
    path("promotion/print.pdf", promotion_views.print_promotion, name="promotion_print"),
    path("promotion/submit/", promotion_views.submit, name="promotion_submit"),
    path("promotion/<int:pk>/decide/", promotion_views.decide, name="promotion_decide"),
    path("placement/", placement_views.placement, name="placement"),
    path("continuing/", progression_views.continuing, name="continuing"),
    path("continuing/<int:pk>/", progression_views.record, name="continuing_record"),
    path("export.xlsx", views.export, name="export"),
    path("new/", views.register, name="register"),
    path("import-existing/", views.import_existing, name="import_existing"),
    path("validate/", views.validate, name="validate"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/class/", views.place, name="place"),
    path("<int:pk>/card.pdf", card_views.card, name="card"),
    path("archive/", archive_views.archive_list, name="archives"),
    path("possible-duplicates/", views.possible_duplicates, name="possible_duplicates"),
    path("archive/<int:pk>/", archive_views.archive_detail, name="archive"),
    path("archive/<int:pk>/verify/", archive_views.archive_verify, name="archive_verify"),
    path("archive/<int:pk>/package.zip", archive_views.archive_package, name="archive_package"),
    path("classes/<int:pk>/cards.pdf", card_views.class_cards, name="class_cards"),
    path("roster.pdf", views.roster, name="roster"),
    path("<int:pk>/evidence/", views.evidence_upload, name="evidence_upload"),
    path("<int:pk>/follow-ups/", views.follow_up, name="follow_up"),
    path("evidence/<int:pk>/download/", views.evidence_download, name="evidence_download"),
    path("entry-applications/", views.entry_applications, name="entry_applications"),
    path("entry-applications/new/", views.entry_application_new, name="entry_application_new"),
    path(
        "entry-applications/<int:pk>/decide/", views.entry_application_decide, name="entry_application_decide"
    ),
]
