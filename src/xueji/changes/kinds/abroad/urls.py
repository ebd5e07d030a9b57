from django.urls import path

from xueji.changes.kinds.abroad.schemas import START_KEYS
from xueji.changes.kinds.abroad.services import STARTER
from xueji.changes.start_views import start_page

new = start_page(
    STARTER,
    name="abroad:new",
    keys=START_KEYS,
    title="出国（境）学习",
    intro="学生出国（境）学习的，在现就读学校凭有效证件办理（第十二条）：学籍管理员受理，学校审核后报区教育局知悉。"
    "学籍保留在本校；回国（境）继续接受义务教育的，接续原学籍，不重新建籍。",
)

app_name = "abroad"
urlpatterns = [path("abroad/new/", new, name="new")]
