from django.apps import AppConfig


class ChangesConfig(AppConfig):
    name = "xueji.changes"
    label = "changes"
    verbose_name = "学籍变动"

    def ready(self) -> None:
        # Declaring the kinds registers them with the engine.
        from xueji.changes.kinds import transfer  # noqa: F401
