from django.urls import path

from xueji.changes.kinds.extension.schemas import START_KEYS
from xueji.changes.kinds.extension.services import STARTER
from xueji.changes.start_views import start_page

new = start_page(
    STARTER,
    name="extension:new",
    keys=START_KEYS,
    title="延长休学申请",
    intro="休学期满仍不能复学的，由监护人申请延长，附相关证明（第十二条）。学校审核后报区教育局审批，"
    "每次延长一年；累计休学超过两年的，系统提示区教育局重点审核。",
)

app_name = "extension"
urlpatterns = [path("extension/new/", new, name="new")]
