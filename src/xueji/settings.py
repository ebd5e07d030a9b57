"""Settings, all read from environment variables at the top; malformed values fail loudly.

XUEJI_ENV      production (default) | demo | test. Production requires SECRET_KEY; the demo and
               the tests keep a generated key in the data directory.
XUEJI_DATA_DIR where the SQLite database, uploaded evidence and the demo's key live (./var).
DATABASE_URL   e.g. postgres://user@127.0.0.1:5432/xueji; default SQLite in the data directory.
DEBUG          0/1, off unless asked.
ALLOWED_HOSTS  comma-separated; defaults to loopback outside production.
XUEJI_FIXED_TODAY, XUEJI_CLOCK_SHIFT_DAYS  the tests' fixed day and the demo's shift in whole days
               (core.clock, `xueji demo --today`); production refuses both.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from datetime import date as _date
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be 0/1/true/false, not {raw!r}")


def _env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    return [item.strip() for item in raw.split(",") if item.strip()] if raw else default


ENV = os.environ.get("XUEJI_ENV", "production")
if ENV not in {"production", "demo", "test"}:
    raise ImproperlyConfigured(f"XUEJI_ENV must be production, demo or test, not {ENV!r}")

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("XUEJI_DATA_DIR", "var")).resolve()
EVIDENCE_DIR = DATA_DIR / "evidence"  # outside the web root: served only through a scoped view
IMPORT_DIR = DATA_DIR / "imports"  # uploaded workbooks, their error reports and progress files
EXPORT_APPROVED_DIR = DATA_DIR / "exports_approved"  # approved export requests' files (R21.1)
EXPORT_DIR = DATA_DIR / "exports"  # large exports, written by their job, kept for EXPORT_KEEP_HOURS


def _secret_key() -> str:
    if key := os.environ.get("SECRET_KEY"):
        return key
    if path := os.environ.get("SECRET_KEY_FILE"):
        return Path(path).read_text().strip()
    if ENV == "production":
        raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) is required in production")
    # Demo and tests: a random key kept beside the demo database, never a key written in code.
    DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)  # R21.1: the records and files, ours alone
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("DEBUG", False)
ALLOWED_HOSTS = _env_list(
    "ALLOWED_HOSTS", [] if ENV == "production" else ["127.0.0.1", "localhost", "testserver", "[::1]"]
)
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "simple_history",
    "axes",  # login lockout and throttling on every login path (org.auth_guard)
    "django_otp",  # the second factor (org.second_factor): TOTP devices and recovery codes
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "ninja",  # serves the Swagger UI of /api/v1/docs from its own static files, not a CDN
    "xueji.core",
    "xueji.org",
    "xueji.audit",
    "xueji.students",
    "xueji.archive",
    "xueji.changes",
    # The kinds of status change that have tables or pages of their own (changes.kinds.registry).
    "xueji.changes.kinds.transfer",
    "xueji.changes.kinds.suspension",
    "xueji.changes.kinds.dropout",
    "xueji.changes.kinds.information",
    "xueji.exchange",
    "xueji.demo",  # `xueji demo` data and `xueji gen_demo` (synthetic data at scale)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "xueji.core.middleware.PrivateResponseMiddleware",  # Cache-Control: no-store (R21.1)
    "xueji.core.middleware.ContentSecurityPolicyMiddleware",  # our own scripts and styles only (R21.1)
    "django.contrib.sessions.middleware.SessionMiddleware",
    "xueji.core.middleware.ControlCharacterMiddleware",  # NUL and the like: 400, never stored
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): the second factor given
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "xueji.core.middleware.DatabaseBusyMiddleware",
    "xueji.org.session_guard.SessionGuardMiddleware",  # idle timeout, forced password change
    # Last: answers a login the guard refused with org.auth_guard.locked_response.
    "axes.middleware.AxesMiddleware",
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked (account, address) before the password
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "xueji.urls"
WSGI_APPLICATION = "xueji.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "xueji.navigation.navigation",
            ],
            "builtins": ["xueji.core.templatetags.xueji"],
        },
    },
]

DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)  # R21.1: the records and files, ours alone
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'xueji.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "600")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the writer; IMMEDIATE makes writers queue instead of failing
    # with "database is locked" halfway through a transaction.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": int(os.environ.get("XUEJI_SQLITE_TIMEOUT", "20")),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0 if ENV == "test" else DATABASES["default"]["CONN_MAX_AGE"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    # Not like the account's own name, username or phone (a guess away).
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "full_name", "phone", "email")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if ENV == "test":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "zh-hans"
# Our few corrections to Django's own Chinese (a form label's "：", the admin's leftovers).
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns on a missing directory before collectstatic
WHITENOISE_MAX_AGE = 3600
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if ENV == "test"
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600  # one working day
SESSION_COOKIE_SECURE = _env_bool("SECURE_COOKIES", ENV == "production")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
# R21.1: scripts, styles, images and form targets from this server only; no plugins, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Production sits behind an HTTPS reverse proxy on the same machine (README): TLS ends there and
# the proxy says so in X-Forwarded-Proto, which is trusted only while XUEJI_TLS_AT_PROXY is on.
TLS_AT_PROXY = _env_bool("XUEJI_TLS_AT_PROXY", ENV == "production")
if TLS_AT_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = _env_bool("XUEJI_SSL_REDIRECT", ENV == "production")
SECURE_HSTS_SECONDS = int(os.environ.get("XUEJI_HSTS_SECONDS", 365 * 86400 if ENV == "production" else 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("XUEJI_HSTS_SUBDOMAINS", False)
# ``xueji serve`` refuses to start on any deployment-check warning not accepted here with a reason,
# printed at every start. XUEJI_ACCEPTED_CHECKS="security.W005=理由;xueji.W001=理由" replaces these.
ACCEPTED_CHECKS: dict[str, str] = {
    "security.W005": "HSTS 不覆盖子域名：区教育局域名下的其他网站不由本系统决定（需要时设 XUEJI_HSTS_SUBDOMAINS=1）",
    "security.W021": "不申请浏览器的 HSTS 预加载名单：只在区内使用，域名由上级单位管理",
}
if os.environ.get("XUEJI_ACCEPTED_CHECKS") is not None:
    ACCEPTED_CHECKS = {
        check.strip(): reason.strip()
        for check, _, reason in (
            part.partition("=") for part in os.environ["XUEJI_ACCEPTED_CHECKS"].split(";")
        )
        if check.strip()
    }

DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# Rules read limits from here, not from code (RULES.md: keep limits and deadlines in configuration).
XUEJI: dict[str, Any] = {
    "EVIDENCE_MAX_BYTES": 10 * 1024 * 1024,
    "SCHOOL_ENTRY_AGE": 6,  # R3.2
    "AGE_CUTOFF_MONTH_DAY": (8, 31),  # R3.2
    "API_TOKEN_DAYS": 30,
    "HOME_DISTRICT_CODE": os.environ.get("XUEJI_HOME_DISTRICT", "410503"),
    # Spreadsheet imports: rows written per batch, and what one workbook may hold.
    "IMPORT_BATCH_SIZE": int(os.environ.get("XUEJI_IMPORT_BATCH_SIZE", "1000")),
    "IMPORT_MAX_ROWS": 200_000,
    "IMPORT_MAX_BYTES": 80 * 1024 * 1024,
    "IMPORT_KEEP_DAYS": 30,  # uploads and error reports (full ID numbers) are deleted after this
    # "process": a page's import or large export runs in its own process, so the web server keeps
    # serving; "inline" runs it in the request (tests).
    "JOB_RUNNER": os.environ.get("XUEJI_JOB_RUNNER", "inline" if ENV == "test" else "process"),
    # Student exports up to this many rows download at once; larger ones run as a job with a
    # progress page, and their file is kept this many hours (it holds personal data, R21.1).
    "EXPORT_INLINE_MAX_ROWS": int(os.environ.get("XUEJI_EXPORT_INLINE_MAX_ROWS", "5000")),
    "EXPORT_KEEP_HOURS": 24,
    # On SQLite an export job waits this long for another writer (an import writes in one long
    # transaction) before it gives up, instead of the request's default (core.db_locks).
    "EXPORT_LOCK_WAIT_SECONDS": int(os.environ.get("XUEJI_EXPORT_LOCK_WAIT_SECONDS", "900")),
    # Imports running at once, in all (one per school at most): each holds a process and memory.
    "IMPORT_MAX_RUNNING": int(os.environ.get("XUEJI_IMPORT_MAX_RUNNING", "2")),
    # An import's process may grow by this much beyond the program itself (exchange.memory); a
    # 100,000-row workbook needs about a third of it.
    "IMPORT_MEMORY_MB": int(os.environ.get("XUEJI_IMPORT_MEMORY_MB", "1536")),
    # R21.1: an approved export request's file may be downloaded this many times, this long.
    "EXPORT_REQUEST_DOWNLOADS": int(os.environ.get("XUEJI_EXPORT_REQUEST_DOWNLOADS", "3")),
    "EXPORT_REQUEST_HOURS": int(os.environ.get("XUEJI_EXPORT_REQUEST_HOURS", "72")),
    # Logins (org.auth_guard): an (account, address) pair is locked after this many failures for
    # this long; an account's failures from every address slow it down, up to the delay below.
    "LOGIN_FAILURE_LIMIT": int(os.environ.get("XUEJI_LOGIN_FAILURE_LIMIT", "5")),
    "LOGIN_LOCK_MINUTES": int(os.environ.get("XUEJI_LOGIN_LOCK_MINUTES", "30")),
    "LOGIN_MAX_DELAY_SECONDS": 300,
    # A page session ends after this long without the user doing anything (org.session_guard).
    "IDLE_MINUTES": int(os.environ.get("XUEJI_IDLE_MINUTES", "15")),
    # R19.1: how long registrars working before filing began may act unfiled.
    "REGISTRAR_GRACE_DAYS": int(os.environ.get("XUEJI_REGISTRAR_GRACE_DAYS", "60")),
    # The reverse proxies whose X-Forwarded-For is believed (addresses or networks); any other
    # peer is the client itself. Behind nginx on the same host: XUEJI_TRUSTED_PROXIES=127.0.0.1
    "TRUSTED_PROXIES": _env_list("XUEJI_TRUSTED_PROXIES", []),
    # The student list counts up to this many matches, then says "more" (core.pagination).
    "SEARCH_COUNT_CAP": 10_000,
    # How long a server process keeps a district's own limits before reading them again (0: never).
    "POLICY_CACHE_SECONDS": 60,
    # The limits of the measures (org.policy): each district may set its own, shown as 区教育局规定.
    # Day counts are working days unless the declaration says otherwise.
    "POLICY": {
        "record.complete_months": 1,  # R5.1: the record complete within a month of entry
        "transfer.window_months": 2,  # R10.7: intra-province transfers within 2 months of term start
        "transfer.step_days": 10,  # R10.7: each party's step
        "transfer.online_days": 10,  # R10.7: the whole online phase, from the district's filing approval
        "case.draft_lapse_days": 20,  # R17.2: an unsubmitted draft without a legal deadline lapses
        "case.step_days": 10,  # Decision: a school or district step of the other kinds
        "period.warn_days": 30,  # R12.6: calendar days before a suspension ends, it is on the lists
        "period.escalate_days": 30,  # R12.6: calendar days between urgings once it has ended
        "suspension.years": 1,  # R12.4
        "suspension.flag_total_years": 2,  # R12.4: more than this in total is flagged to the district
        "dropout.report_days": 5,  # R13.2 (Decision): the written report, from the day learned
        "dropout.close_age": 16,  # R13.2 (Decision 0034): a dropout's record kept at least to this age
        "missing.report_days": 5,  # R15.2 (Decision: 及时 read as 5 working days from the day learned)
        "death.report_days": 10,  # R15.1: from the day the school learned of the death
        # R21.1: registrars give a second factor (officers, admins and auditors always do); on in
        # production, off in the demo and the tests unless a district sets it.
        "security.registrar_2fa": 1 if ENV == "production" else 0,
    },
}
# The clock (core.clock, decision 0022): real time unless the tests fix "today" (XUEJI_FIXED_TODAY,
# YYYY-MM-DD) or the demo shifts it by whole days (XUEJI_CLOCK_SHIFT_DAYS, set by `xueji demo --today`).
# Production refuses both: every deadline and every timestamp would be wrong.
_CLOCK_VARS = {
    name: os.environ[name] for name in ("XUEJI_FIXED_TODAY", "XUEJI_CLOCK_SHIFT_DAYS") if os.environ.get(name)
}
if ENV == "production" and _CLOCK_VARS:
    raise ImproperlyConfigured(
        f"生产环境不能固定或平移时钟：请删除环境变量 {'、'.join(_CLOCK_VARS)}（只用于测试和演示），"
        "系统按真实日期运行。(A fixed or shifted clock is for the tests and the demo only.)"
    )
try:
    XUEJI_FIXED_TODAY: str | None = (
        _date.fromisoformat(_CLOCK_VARS["XUEJI_FIXED_TODAY"]).isoformat()
        if "XUEJI_FIXED_TODAY" in _CLOCK_VARS
        else None
    )
except ValueError:
    raise ImproperlyConfigured(
        f"XUEJI_FIXED_TODAY 应为 YYYY-MM-DD 格式的日期，而不是 {_CLOCK_VARS['XUEJI_FIXED_TODAY']!r}"
    ) from None
try:
    XUEJI_CLOCK_SHIFT_DAYS = int(_CLOCK_VARS.get("XUEJI_CLOCK_SHIFT_DAYS", "0"))
except ValueError:
    raise ImproperlyConfigured(
        f"XUEJI_CLOCK_SHIFT_DAYS 应为整数（天数），而不是 {_CLOCK_VARS['XUEJI_CLOCK_SHIFT_DAYS']!r}"
    ) from None
if ENV != "production":
    # auto_now fields and the change history follow the same clock as the rules (logins keep real time).
    from xueji.core.clock import install as _install_clock

    _install_clock()

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# django-axes, as org.auth_guard reads it.
AXES_FAILURE_LIMIT = XUEJI["LOGIN_FAILURE_LIMIT"]
AXES_COOLOFF_TIME = dt.timedelta(minutes=XUEJI["LOGIN_LOCK_MINUTES"])
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A lock lasts its 30 minutes from the failure that set it; attempts while locked are refused
# without extending it (and without checking the password).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_HANDLER = "xueji.org.auth_guard.GuardHandler"
AXES_CLIENT_IP_CALLABLE = "xueji.org.auth_guard.client_ip"
AXES_LOCKOUT_CALLABLE = "xueji.org.auth_guard.locked_response"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_SENSITIVE_PARAMETERS = ["password", "otp", "token"]
AXES_VERBOSE = False  # successes and failures go to the audit log (org.signals), not the console
