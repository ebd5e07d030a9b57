from django.urls import path

from xueji.changes.kinds.repetition.schemas import START_KEYS
from xueji.changes.kinds.repetition.services import STARTER
from xueji.changes.start_views import start_page

new = start_page(
    STARTER,
    name="repetition:new",
    keys=START_KEYS,
    title="留级申请",
    intro="学校不得强制学生留级（第十四条）。确需留级的，由监护人书面申请并提供证明材料，学校审核后报区教育局审批；"
    "批准后，下一学年升级时该生仍在本年级。",
)

app_name = "repetition"
urlpatterns = [path("repetition/new/", new, name="new")]
