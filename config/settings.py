"""Settings of the Jianghai digital government platform: one file, read from the environment.

Two modes (DGOV_MODE):
- ``embedded`` (default): SQLite under var/, local files, Celery tasks run in-process, secrets
  generated once into var/. Nothing but Python is needed.
- ``production``: every secret must be given; DEBUG, demo data and the default secret are refused.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("DGOV_VAR_DIR", str(BASE_DIR / "var")) or BASE_DIR / "var")

DGOV_MODE = env_str("DGOV_MODE", "embedded") or "embedded"
if DGOV_MODE not in {"embedded", "production"}:
    raise ImproperlyConfigured(f"DGOV_MODE={DGOV_MODE!r}: use 'embedded' or 'production'.")
PRODUCTION = DGOV_MODE == "production"

DEBUG = env_bool("DEBUG", default=not PRODUCTION)
# Demo data and demo accounts (with the MFA waiver) are allowed only outside production.
DGOV_DEMO = env_bool("DGOV_DEMO", default=not PRODUCTION)
DGOV_DEMO_PASSWORD = env_str("DGOV_DEMO_PASSWORD", "jianghai-demo-2025") or "jianghai-demo-2025"


def _generated_secret(name: str, nbytes: int) -> str:
    """A secret kept in var/ for the embedded default: made once, reused on every start."""
    path = VAR_DIR / name
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(nbytes)
    path.write_text(value, encoding="utf-8")
    path.chmod(0o600)
    return value


SECRET_KEY = env_str("SECRET_KEY") or ""
DGOV_MASTER_KEY = env_str("DGOV_MASTER_KEY") or ""
if PRODUCTION:
    _problems = []
    if DEBUG:
        _problems.append("DEBUG is on (set DEBUG=0)")
    if DGOV_DEMO:
        _problems.append("demo data is on (set DGOV_DEMO=0)")
    if not SECRET_KEY or SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 40:
        _problems.append("SECRET_KEY is missing, default or shorter than 40 characters")
    if not DGOV_MASTER_KEY:
        _problems.append("DGOV_MASTER_KEY is missing (64 hex digits)")
    if _problems:
        raise ImproperlyConfigured("Production mode refuses to start: " + "; ".join(_problems) + ".")
else:
    SECRET_KEY = SECRET_KEY or _generated_secret("secret_key", 32)
    DGOV_MASTER_KEY = DGOV_MASTER_KEY or _generated_secret("master_key", 32)
try:
    if len(bytes.fromhex(DGOV_MASTER_KEY)) != 32:
        raise ValueError
except ValueError as exc:
    raise ImproperlyConfigured("DGOV_MASTER_KEY must be 64 hexadecimal digits (32 bytes).") from exc

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Public base URL, used as the OIDC issuer and in links sent by SMS/email.
DGOV_BASE_URL = (env_str("DGOV_BASE_URL", "http://127.0.0.1:8000") or "").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "oauth2_provider",
    "axes",
    "dgov.core",
    "dgov.audit",
    "dgov.accounts",
    "dgov.registries",
    "dgov.workflow",
    "dgov.portal",
    "dgov.catalog",
    "dgov.notices",
    "dgov.cases",
    "dgov.licences",
    "dgov.ratings",
    "dgov.credit",
    "dgov.bundles",
    "dgov.crossregion",
    "dgov.esign",
    "dgov.hotline",
    "dgov.indicators",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "dgov.core.middleware.DemoLoopbackOnlyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "dgov.accounts.middleware.IdleTimeoutMiddleware",
    "dgov.accounts.middleware.StaffSecondFactorMiddleware",
    "dgov.accounts.middleware.ActiveDayMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "django.template.context_processors.i18n",
                "dgov.core.context_processors.shell",
                "dgov.notices.context_processors.unread_notices",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the embedded default serve a few users at once.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and sessions ---------------------------------------------------------------------
CACHE_URL = env_str("CACHE_URL", "locmem://") or "locmem://"
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
elif CACHE_URL.startswith("locmem://"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
elif CACHE_URL.startswith("dummy://"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
else:
    raise ImproperlyConfigured(f"CACHE_URL={CACHE_URL!r}: use redis://, locmem:// or dummy://.")
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_AGE = 8 * 3600
# Idle logout (等保2.0 session timeout): staff after 15 minutes, citizens and enterprises after 30.
DGOV_IDLE_TIMEOUT_STAFF = env_int("DGOV_IDLE_TIMEOUT_STAFF", 15 * 60)
DGOV_IDLE_TIMEOUT_PUBLIC = env_int("DGOV_IDLE_TIMEOUT_PUBLIC", 30 * 60)

# --- Background work ------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "") or ""
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = "Asia/Shanghai"

# --- Files ----------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")) or VAR_DIR / "media")
MEDIA_URL = "/media-not-served/"  # uploads are never served from the web root
# Largest file an applicant may upload as one material (bytes).
DGOV_UPLOAD_MAX_BYTES = env_int("DGOV_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
# Working days a department has to call back, resolve and answer a bad rating (差评整改).
DGOV_RECTIFICATION_WORKING_DAYS = env_int("DGOV_RECTIFICATION_WORKING_DAYS", 5)

# --- 12345 hotline (dgov.hotline) ----------------------------------------------------------
# The region whose hotline this is (its code starts ticket numbers; its areas resolve places).
DGOV_HOTLINE_REGION = env_str("DGOV_HOTLINE_REGION", "440704") or "440704"
# The hotline's area as south,west,north,east in WGS-84 degrees: coordinates outside are refused.
DGOV_HOTLINE_BOUNDS = [float(v) for v in env_list("DGOV_HOTLINE_BOUNDS", ["22.45", "113.04", "22.66", "113.26"])]
if len(DGOV_HOTLINE_BOUNDS) != 4 or not (
    DGOV_HOTLINE_BOUNDS[0] < DGOV_HOTLINE_BOUNDS[2] and DGOV_HOTLINE_BOUNDS[1] < DGOV_HOTLINE_BOUNDS[3]
):
    raise ImproperlyConfigured("DGOV_HOTLINE_BOUNDS is south,west,north,east with south < north and west < east.")
# Classifier confidence (0-1) at or above which a ticket is dispatched with no person; above 1: never.
DGOV_HOTLINE_AUTO_DISPATCH_THRESHOLD = env_float("DGOV_HOTLINE_AUTO_DISPATCH_THRESHOLD", 0.85)
# Days after the reply when a ticket nobody could call back or rate closes itself.
DGOV_HOTLINE_AUTO_CLOSE_DAYS = env_int("DGOV_HOTLINE_AUTO_CLOSE_DAYS", 7)
# Open311 GeoReport v2 (docs/open311.md).
DGOV_OPEN311_JURISDICTION = env_str("DGOV_OPEN311_JURISDICTION", "jianghai.jiangmen.gov.cn") or ""
DGOV_OPEN311_POSTS_PER_MINUTE = env_int("DGOV_OPEN311_POSTS_PER_MINUTE", 30)
DGOV_OPEN311_CONTACT = env_str("DGOV_OPEN311_CONTACT", "") or ""
DGOV_OPEN311_KEY_SERVICE = env_str("DGOV_OPEN311_KEY_SERVICE", "") or ""

# --- Notices --------------------------------------------------------------------------------
# Where text messages and e-mails go: a dotted path to a dgov.notices.backends.NoticeBackend.
# The default writes them to the log (with the number masked); a district plugs in its SMS gateway.
DGOV_NOTICE_BACKEND = env_str("DGOV_NOTICE_BACKEND", "dgov.notices.backends.ConsoleBackend") or (
    "dgov.notices.backends.ConsoleBackend"
)
STORAGES = {
    "default": {
        "BACKEND": env_str("MEDIA_STORAGE", "django.core.files.storage.FileSystemStorage")
        or "django.core.files.storage.FileSystemStorage",
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise expects it even when serving from finders

# --- Identity -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "dgov.accounts.passwords.StaffComplexityValidator"},
    {"NAME": "dgov.accounts.passwords.StaffReuseValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "portal:home"

# Lockout (django-axes): 5 failures lock the username for 15 minutes, whether or not it exists.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["password"]
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
# Lock by account, not by address: staff of a whole service hall share one NAT address, and a
# per-address lock would shut them all out. Address-level rate limits belong to the reverse proxy.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

OTP_TOTP_ISSUER = "江海数字政府"
# The second factor for staff may be waived for demo accounts in demo mode only.
DGOV_DEMO_WAIVES_MFA = DGOV_DEMO and env_bool("DGOV_DEMO_WAIVES_MFA", default=True)

# --- OIDC provider (django-oauth-toolkit) ---------------------------------------------------
OIDC_RSA_PRIVATE_KEY = env_str("OIDC_RSA_PRIVATE_KEY") or ""
if not OIDC_RSA_PRIVATE_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("Production mode refuses to start: OIDC_RSA_PRIVATE_KEY is missing.")
    from dgov.core.keys import embedded_rsa_key

    OIDC_RSA_PRIVATE_KEY = embedded_rsa_key(VAR_DIR / "oidc_rsa.pem")
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": OIDC_RSA_PRIVATE_KEY,
    "OIDC_ISS_ENDPOINT": DGOV_BASE_URL,
    "PKCE_REQUIRED": True,
    # OAuth 2.0 Security BCP (RFC 9700): no implicit or password grant, S256 PKCE only, tokens
    # only in headers, `iss` in authorization responses, hashed token storage, refresh-token
    # replay revokes the family. Plain-http redirect URIs only outside production.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": PRODUCTION,
    "ID_TOKEN_EXPIRE_SECONDS": 3600,
    "OAUTH2_VALIDATOR_CLASS": "dgov.accounts.oidc.ClaimsValidator",
    "SCOPES": {
        "openid": "OpenID Connect",
        "profile": _("Name and account kind"),
        "roles": _("Department and roles"),
    },
    "DEFAULT_SCOPES": ["openid"],
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 120,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"] if not PRODUCTION else ["https"],
}

# --- Language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Security headers -----------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", False) else None
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Logging: personal data never reaches the logs ------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "dgov.core.logging.RedactPersonalDataFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO") or "INFO"},
    # SpiffWorkflow logs every task state change at INFO.
    "loggers": {"spiff": {"level": "WARNING"}},
}

# --- Platform -------------------------------------------------------------------------------
DGOV_REGION_CODE = env_str("DGOV_REGION_CODE", "440704") or "440704"
# 跨域通办: the region codes this instance receives and handles applications for (comma-separated;
# one platform may serve several districts). Messages addressed to another region are refused.
DGOV_CROSSREGION_REGIONS = env_list("DGOV_CROSSREGION_REGIONS", [DGOV_REGION_CODE])
if not DGOV_CROSSREGION_REGIONS or not all(c.isdigit() and len(c) in (6, 9, 12) for c in DGOV_CROSSREGION_REGIONS):
    raise ImproperlyConfigured("DGOV_CROSSREGION_REGIONS: region codes of 6, 9 or 12 digits, comma-separated.")
# How cross-region messages reach the other region's platform: a dotted path to a class of
# dgov.crossregion.transport (HTTPS by default; InProcessTransport when both regions are served
# by this one process, as in the tests).
DGOV_CROSSREGION_TRANSPORT = env_str("DGOV_CROSSREGION_TRANSPORT", "dgov.crossregion.transport.HttpTransport") or (
    "dgov.crossregion.transport.HttpTransport"
)
