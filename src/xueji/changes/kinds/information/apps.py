from django.apps import AppConfig


class InformationConfig(AppConfig):
    """The information change's pages (its templates)."""

    name = "xueji.changes.kinds.information"
    label = "information"
    verbose_name = "信息变更"
