from django.apps import AppConfig


class TransferConfig(AppConfig):
    """The transfer kind: its own tables (the verification record) and its pages' templates."""

    name = "xueji.changes.kinds.transfer"
    label = "transfer"
    verbose_name = "转学"
