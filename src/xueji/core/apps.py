from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "xueji.core"
    label = "core"
    verbose_name = "基础"
