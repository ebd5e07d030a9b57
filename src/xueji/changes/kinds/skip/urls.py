from django.urls import path

from xueji.changes.kinds.skip.schemas import START_KEYS
from xueji.changes.kinds.skip.services import STARTER
from xueji.changes.start_views import start_page

new = start_page(
    STARTER,
    name="skip:new",
    keys=START_KEYS,
    title="跳级申请",
    intro="跳级原则上不予办理（第十四条）。监护人书面申请的，学校审核后报区教育局；区教育局同意的须登记例外理由，"
    "办结后学生年级随即变更，并为其分班。",
)

app_name = "skip"
urlpatterns = [path("skip/new/", new, name="new")]
