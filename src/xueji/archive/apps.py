from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "xueji.archive"
    label = "archive"
    verbose_name = "学籍档案"

    def ready(self) -> None:
        from xueji.archive.selectors import snapshot_part
        from xueji.students import hooks

        # The snapshot a school keeps of a leaving record holds these categories too (R8.1).
        if snapshot_part not in hooks.SNAPSHOT_PROVIDERS:
            hooks.SNAPSHOT_PROVIDERS.append(snapshot_part)
