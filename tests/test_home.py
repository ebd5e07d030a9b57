"""Issue 13: every role's home shows what that role does, with links — the superuser's too (it
has no role, and landed on a 403 with no way out)."""

from __future__ import annotations

import pytest

from tests.conftest import login
from xueji.org.models import User


@pytest.fixture
def superuser(world):
    return User.objects.create_superuser(
        username="root_bg", password="Xueji-test-2026!", full_name="系统超级用户"
    )


def test_the_superuser_lands_on_its_work_not_a_403(superuser):
    response = login(superuser).get("/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "超级用户" in page and "/admin/org/user/" in page and "三权分立" in page
    assert "基础数据管理" in page.split("<main", 1)[0]  # the menu is there too


def test_the_district_admins_home_lists_what_it_keeps(world):
    page = login(world.admin).get("/").content.decode()
    for link in (
        "/admin/org/school/",
        "/admin/org/schoolyear/",
        "/admin/core/calendaryear/",
        "/admin/org/policyvalue/",
    ):
        assert link in page, link
    assert "区安全管理员" in page


@pytest.mark.parametrize(
    ("role", "said"),
    [
        ("registrar_a", "待办事项"),
        ("approver_a", "待办事项"),
        ("officer", "待办事项"),
        ("security", "账号管理"),
        ("auditor", "审计日志"),
    ],
)
def test_every_roles_home_opens_and_says_what_it_is_for(world, role, said):
    response = login(getattr(world, role)).get("/")
    assert response.status_code == 200 and said in response.content.decode()
