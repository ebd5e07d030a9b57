"""`xueji flag_overdue`: the former name of `xueji daily`, kept so existing timers keep working."""

from xueji.changes.management.commands.daily import Command as Daily


class Command(Daily):
    pass
