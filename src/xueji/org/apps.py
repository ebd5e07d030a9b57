from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "xueji.org"
    label = "org"
    verbose_name = "组织与账号"

    def ready(self) -> None:
        from xueji.org import signals  # noqa: F401  (connects the login audit receivers)
