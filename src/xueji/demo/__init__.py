"""The demo district (河南省安阳市北关区 and 文峰区): data, synthetic people and the seed.

``xueji demo`` seeds it once through the services (``seed.seed_demo``) and prints the logins of
``accounts.DEMO_ACCOUNTS``. Everything here is invented; nothing is a real person or school code.
"""
