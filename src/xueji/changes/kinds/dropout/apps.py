from django.apps import AppConfig


class DropoutConfig(AppConfig):
    """The dropout kind's pages (its templates)."""

    name = "xueji.changes.kinds.dropout"
    label = "dropout"
    verbose_name = "辍学"
