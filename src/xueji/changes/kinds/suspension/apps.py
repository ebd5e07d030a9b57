from django.apps import AppConfig


class SuspensionConfig(AppConfig):
    """The suspension kind's pages (its templates)."""

    name = "xueji.changes.kinds.suspension"
    label = "suspension"
    verbose_name = "休学"
