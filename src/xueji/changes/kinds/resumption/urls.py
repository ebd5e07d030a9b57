from django.urls import path

from xueji.changes.kinds.resumption.schemas import START_KEYS
from xueji.changes.kinds.resumption.services import STARTER
from xueji.changes.start_views import start_page

new = start_page(
    STARTER,
    name="resumption:new",
    keys=START_KEYS,
    title="复学申请",
    intro="休学期间、期满时或期满后均可申请复学（期满后复学的予以提示，不影响办理）。因病休学的须附县级以上医院"
    "康复证明（第十二条）。复学年级一般按休学时的年级衔接；申请其他年级的，由区教育局确定。",
)

app_name = "resumption"
urlpatterns = [path("resumption/new/", new, name="new")]
