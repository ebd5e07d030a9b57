from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "xueji.audit"
    label = "audit"
    verbose_name = "审计"

    def ready(self) -> None:
        from xueji.audit import checks  # noqa: F401 - registers the deployment check
