from django.urls import path

from xueji.changes.kinds.found.schemas import START_KEYS
from xueji.changes.kinds.found.services import STARTER
from xueji.changes.start_views import start_page

new = start_page(
    STARTER,
    name="found:new",
    keys=START_KEYS,
    title="下落不明学生返校",
    intro="已报下落不明或被羁押的学生返校的，接续原学籍（学籍号不变），按离校时的年级恢复在读（第十五条）："
    "学籍管理员受理，学校审核后报区教育局知悉，办结后为学生分班。",
)

app_name = "found"
urlpatterns = [path("found/new/", new, name="new")]
