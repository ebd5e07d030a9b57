from django.urls import path

from xueji.changes.kinds.missing.schemas import START_KEYS
from xueji.changes.kinds.missing.services import STARTER
from xueji.changes.start_views import start_page

new = start_page(
    STARTER,
    name="missing:new",
    keys=START_KEYS,
    title="下落不明报告",
    intro="学生失踪或被刑事拘留等原因离校的，学校要及时报区教育局（第十五条）：学籍管理员受理，"
    "学校审核后报区教育局知悉备案。学籍保留，学校和区教育局不得取消；学生返校后办理返校恢复在读。",
)

app_name = "missing"
urlpatterns = [path("missing/new/", new, name="new")]
