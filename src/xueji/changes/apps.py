from django.apps import AppConfig


class ChangesConfig(AppConfig):
    name = "xueji.changes"
    label = "changes"
    verbose_name = "学籍变动"

    def ready(self) -> None:
        from xueji.changes.selectors import card_changes, student_case_actions
        from xueji.changes.services import cases_recount_dues
        from xueji.org.calendar_services import calendar_changed
        from xueji.students import hooks

        # Loading a year's holidays recounts the deadlines that were counted over it.
        calendar_changed.connect(cases_recount_dues, dispatch_uid="changes.recount_dues")
        # A student's page offers the cases each kind may start for the student.
        if student_case_actions not in hooks.ACTION_PROVIDERS:
            hooks.ACTION_PROVIDERS.append(student_case_actions)
        # A student's 学籍卡 lists the completed status changes.
        if card_changes not in hooks.CHANGES_PROVIDERS:
            hooks.CHANGES_PROVIDERS.append(card_changes)
