from django.urls import path

from xueji.changes.kinds.dropout import views
from xueji.changes.kinds.dropout.schemas import START_KEYS
from xueji.changes.kinds.dropout.services import STARTER
from xueji.changes.start_views import start_page

new = start_page(
    STARTER,
    name="dropout:new",
    keys=START_KEYS,
    title="辍学报告",
    intro="学校发现学生辍学，应及时采取措施，努力使其复学，并将辍学情况书面报告乡镇人民政府（街道办事处）和区教育局，"
    "在义务教育年限内为其保留学籍（第十三条）。义务教育阶段学校不得责令学生停学、退学，不得开除学生。",
)

app_name = "dropout"
urlpatterns = [path("dropout/new/", new, name="new"), path("dropout/", views.efforts, name="list")]
