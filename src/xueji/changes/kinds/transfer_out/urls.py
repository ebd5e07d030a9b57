from django.urls import path

from xueji.changes.kinds.transfer_out.schemas import START_KEYS
from xueji.changes.kinds.transfer_out.services import STARTER
from xueji.changes.start_views import start_page

new = start_page(
    STARTER,
    name="transfer_out:new",
    keys=START_KEYS,
    title="转出到系统外学校",
    intro="学生转往本系统以外（外省或其他平台）的学校时，由转入学校在其学籍平台发起转学；学校不得为本校学生办理转出"
    "（第十条）。请录入对方平台的转学申请编号和转入学校，上传对方的申请，经学校核办、区教育局审核后，学籍在本系统转出，"
    "档案随之移交。",
)

app_name = "transfer_out"
urlpatterns = [path("transfer-out/new/", new, name="new")]
