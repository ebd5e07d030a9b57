from django.urls import path

from xueji.changes.kinds.abroad_return.schemas import START_KEYS
from xueji.changes.kinds.abroad_return.services import STARTER
from xueji.changes.start_views import start_page

new = start_page(
    STARTER,
    name="abroad_return:new",
    keys=START_KEYS,
    title="回国（境）复学",
    intro="出国（境）学习的学生回国（境）继续接受义务教育的，接续原学籍（学籍号不变，不重新建籍）。"
    "系统按衔接建议年级，由区教育局确定（第十二条）。到其他学校就读的，由该校发起转学。",
)

app_name = "abroad_return"
urlpatterns = [path("abroad-return/new/", new, name="new")]
