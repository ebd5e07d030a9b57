"""`xueji totp <username>`: the code a demo account's authenticator would show now (R21.1).

Only for the demo's published secrets: it refuses in production, where nobody but the holder
knows a secret."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import TOTP

from xueji.org.models import User
from xueji.org.second_factor import confirmed_device


class Command(BaseCommand):
    help = "演示账号当前的两步验证码 (the current 2FA code of a demo account)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.ENV == "production":
            raise CommandError("生产环境没有公开的两步验证密钥。 (No published 2FA secrets in production.)")
        user = User.objects.filter(username=options["username"]).first()
        device = confirmed_device(user) if user is not None else None
        if device is None:
            raise CommandError(f"{options['username']} 没有设置两步验证。 (No 2FA device for this account.)")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        left = device.step - int(totp.time - device.t0) % device.step
        self.stdout.write(f"{totp.token():06d}")
        self.stderr.write(f"（{left} 秒内有效 valid for {left} s）")
