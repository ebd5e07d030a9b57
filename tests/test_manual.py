"""Issue 13: a Chinese user manual per role, reachable from every page (帮助), with screenshots
of the demo; every picture a page names exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import login
from xueji.manual import PAGES

STATIC = Path(__file__).resolve().parents[1] / "src" / "xueji" / "core" / "static"


@pytest.mark.parametrize("role", list(PAGES))
def test_every_roles_manual_renders_with_its_pictures(world, role):
    page = login(world.registrar_a).get(f"/help/{role}/")
    text = page.content.decode()
    assert page.status_code == 200 and f"使用说明 · {PAGES[role]}" in text
    pictures = re.findall(r'src="/static/(manual/[^"]+\.png)"', text)
    assert pictures, role
    for picture in pictures:
        assert (STATIC / picture).exists(), picture


@pytest.mark.parametrize(
    ("user", "role"), [("registrar_a", "registrar"), ("officer", "district_officer"), ("auditor", "auditor")]
)
def test_the_bars_help_opens_the_users_own_manual(world, user, role):
    client = login(getattr(world, user))
    home = client.get("/").content.decode()
    assert 'href="/help/">帮助</a>' in home
    assert client.get("/help/")["Location"] == f"/help/{role}/"
    assert "全部角色的说明" in client.get(f"/help/{role}/").content.decode()


def test_a_registrar_not_yet_on_file_can_read_the_manual(world):
    from xueji.org.models import RegistrarFiling

    RegistrarFiling.objects.filter(user=world.registrar_a).delete()
    assert login(world.registrar_a).get("/help/registrar/").status_code == 200


def test_an_unknown_manual_is_a_404(world):
    assert login(world.registrar_a).get("/help/nobody/").status_code == 404
