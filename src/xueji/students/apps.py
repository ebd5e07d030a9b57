from django.apps import AppConfig


class StudentsConfig(AppConfig):
    name = "xueji.students"
    label = "students"
    verbose_name = "学生学籍"
