from django.urls import path

from xueji.changes.kinds.dropout_return.schemas import START_KEYS
from xueji.changes.kinds.dropout_return.services import STARTER
from xueji.changes.start_views import start_page

new = start_page(
    STARTER,
    name="dropout_return:new",
    keys=START_KEYS,
    title="辍学学生复学",
    intro="辍学学生返校的，接续原学籍（学籍号不变），按辍学时年级恢复在读（第十三条）：学籍管理员受理监护人申请，"
    "学校审核后报区教育局知悉，办结后为学生分班。到其他学校就读的，由该校办理转学。",
)

app_name = "dropout_return"
urlpatterns = [path("dropout_return/new/", new, name="new")]
