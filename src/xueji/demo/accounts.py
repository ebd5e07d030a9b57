"""The demo's logins: one list that the seed creates, `xueji demo` prints and the README shows.

Every role of R2.2 is here, in two 北关区 schools and in both districts, so each screen can be
seen from each side (文峰区东关小学 has an approver too: it is the transfer-out school of the demo's
transfers). Every other school gets a registrar too (the seed needs one per school:
only a school's own registrar may register its students), listed after the featured ones.
"""

from __future__ import annotations

import hashlib
import unicodedata
from base64 import b32encode
from dataclasses import dataclass

from xueji.demo.district import JURISDICTIONS, SCHOOLS, SCHOOLS_BY_SLUG

# Passes the validators (10+ characters, not common, not numeric). A demo has no secrets.
DEMO_PASSWORD = "Xueji@2026demo"  # noqa: S105 - published on purpose: the demo's shared login

ROLE_LABELS = {
    "": ("超级用户", "Superuser"),
    "registrar": ("学籍管理员", "School registrar"),
    "school_approver": ("学校审核人", "School approver"),
    "district_officer": ("区教育局学籍干部", "District officer"),
    "district_admin": ("区系统管理员", "District admin"),
    "security_admin": ("区安全管理员", "Security admin"),
    "auditor": ("审计员", "Auditor"),
}
_JURISDICTION_NAMES = {code: name for code, name, _level, _parent in JURISDICTIONS}


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    role: str  # org.Role value; "" for the superuser
    school: str = ""  # slug of a demo school (school roles)
    jurisdiction: str = ""  # GB/T 2260 code (district roles)
    featured: bool = True  # shown in the login table; the others are listed in one line

    @property
    def unit_name(self) -> str:
        if self.school:
            return SCHOOLS_BY_SLUG[self.school].name
        if self.jurisdiction:
            return "安阳市" + _JURISDICTION_NAMES[self.jurisdiction]
        return "全系统 (all units)"

    @property
    def needs_second_factor(self) -> bool:
        """Officers, admins, auditors and the superuser log in with a code (R21.1)."""
        return self.role in ("", "district_officer", "district_admin", "security_admin", "auditor")

    @property
    def totp_key(self) -> bytes:
        """The account's published TOTP secret: the same on every demo, computable by anyone."""
        return hashlib.sha256(f"xueji-demo:{self.username}".encode()).digest()[:20]

    @property
    def totp_secret(self) -> str:
        """As an authenticator app takes it (base32), or "" for an account that needs no code."""
        return b32encode(self.totp_key).decode() if self.needs_second_factor else ""

    @property
    def role_label(self) -> str:
        zh, en = ROLE_LABELS[self.role]
        return f"{zh} {en}"


_FEATURED: tuple[DemoAccount, ...] = (
    DemoAccount("admin", "系统管理员", ""),
    DemoAccount("hq_registrar", "张丽娟", "registrar", school="hq"),
    DemoAccount("hq_approver", "王建华", "school_approver", school="hq"),
    DemoAccount("sez_registrar", "刘晓燕", "registrar", school="sez"),
    DemoAccount("sez_approver", "陈志刚", "school_approver", school="sez"),
    DemoAccount("wf_registrar", "赵敏", "registrar", school="dg"),
    # 文峰区东关小学 approves the transfer-out of its students (R10.5's 转出学校 step).
    DemoAccount("wf_approver", "何建平", "school_approver", school="dg"),
    DemoAccount("bg_officer", "周国庆", "district_officer", jurisdiction="410503"),
    DemoAccount("bg_admin", "李伟", "district_admin", jurisdiction="410503"),
    DemoAccount("bg_security", "冯军", "security_admin", jurisdiction="410503"),
    DemoAccount("bg_auditor", "孙静", "auditor", jurisdiction="410503"),
    DemoAccount("wf_officer", "吴海涛", "district_officer", jurisdiction="410502"),
)
_REGISTRAR_NAMES = (
    "马红梅",
    "郭建军",
    "杨秀英",
    "韩磊",
    "宋玉珍",
    "郑志强",
    "冯艳",
    "曹伟",
    "田丽",
    "牛振华",
)
_with_registrar = {a.school for a in _FEATURED if a.role == "registrar"}
_OTHERS = tuple(
    DemoAccount(f"{s.slug}_registrar", name, "registrar", school=s.slug, featured=False)
    for s, name in zip((s for s in SCHOOLS if s.slug not in _with_registrar), _REGISTRAR_NAMES, strict=True)
)
DEMO_ACCOUNTS: tuple[DemoAccount, ...] = _FEATURED + _OTHERS
REGISTRAR_OF = {a.school: a.username for a in DEMO_ACCOUNTS if a.role == "registrar"}


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def login_table() -> str:
    """The featured logins as a plain-text table that lines up in a terminal (CJK is 2 columns)."""
    header = (
        "用户名 Username",
        "密码 Password",
        "角色 Role",
        "单位 Unit",
        "姓名 Name",
        "两步验证密钥 2FA secret",
    )
    rows = [header] + [
        (a.username, DEMO_PASSWORD, a.role_label, a.unit_name, a.full_name, a.totp_secret or "—")
        for a in DEMO_ACCOUNTS
        if a.featured
    ]
    widths = [max(_width(row[i]) for row in rows) for i in range(len(header))]
    rule = "  ".join("-" * w for w in widths)
    lines = ["  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    others = [a for a in DEMO_ACCOUNTS if not a.featured]
    width = max(_width(a.username) for a in others)
    return "\n".join(
        [
            lines[0],
            rule,
            *lines[1:],
            "",
            "其他学校的学籍管理员（密码相同） Registrars of the other schools (same password):",
            *(f"  {_pad(a.username, width)}  {a.unit_name}" for a in others),
            "",
            "有两步验证密钥的账号，登录时还须输入验证码 Accounts with a 2FA secret also need a code:",
            "  xueji totp bg_officer      （或把密钥加入手机验证器 or add the secret to an authenticator app）",
        ]
    )


def logins_markdown() -> str:
    """The same logins as a Markdown table, for the README."""
    lines = [
        "| 用户名 Username | 角色 Role | 单位 Unit | 姓名 Name | 两步验证密钥 2FA secret |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| `{a.username}` | {a.role_label} | {a.unit_name} | {a.full_name} | "
        + (f"`{a.totp_secret}`" if a.totp_secret else "—")
        + " |"
        for a in DEMO_ACCOUNTS
        if a.featured
    ]
    others = "、".join(f"`{a.username}`（{a.unit_name}）" for a in DEMO_ACCOUNTS if not a.featured)
    lines += [
        "",
        f"Password for every account: `{DEMO_PASSWORD}`. Registrars of the other schools: {others}.",
        "",
        "Accounts with a 2FA secret give a code after the password (R21.1): `xueji totp bg_officer` prints "
        "the current one (demo only), or add the secret to any authenticator app.",
    ]
    return "\n".join(lines)
