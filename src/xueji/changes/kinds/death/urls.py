from django.urls import path

from xueji.changes.kinds.death.schemas import START_KEYS
from xueji.changes.kinds.death.services import STARTER
from xueji.changes.start_views import start_page

new = start_page(
    STARTER,
    name="death:new",
    keys=START_KEYS,
    title="注销学籍（死亡）",
    intro="学生死亡的，学校凭相关证明在获知之日起 10 个工作日内报区教育局注销学籍（第十五条）："
    "学籍管理员受理，学校审核后报区教育局审批。学籍不删除，标记为死亡，只读保存。"
    "已报下落不明的学生，只能凭死亡医学证明或人民法院宣告死亡的判决书注销。",
)

app_name = "death"
urlpatterns = [path("death/new/", new, name="new")]
