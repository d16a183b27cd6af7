"""Default configuration: plain constants, no I/O.

`create_app` layers, in order: these defaults, `instance/config.py`, every
`LMS_*` environment variable (``LMS_DATABASE_URL`` → ``DATABASE_URL``), and
finally the ``test_config`` mapping.
"""


class DefaultConfig:
    """Values used when nothing else is configured (development on SQLite)."""

    # Set LMS_SECRET_KEY in production; create_app refuses to start without it.
    SECRET_KEY = None
    # Empty means: a SQLite file `lms.sqlite3` in the instance folder.
    DATABASE_URL = ""
    # pool_pre_ping: a pooled connection that a PostgreSQL restart (or pg_terminate_backend) closed is
    # noticed at checkout and replaced, instead of failing the next request.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    # Seconds a SQLite writer waits for the lock before giving up.
    SQLITE_BUSY_TIMEOUT = 30

    # Requests larger than this are refused with 413 (CSV uploads are the largest).
    MAX_CONTENT_LENGTH = 5 * 1024 * 1024
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = None  # None: on in production, off for the dev server and tests
    PERMANENT_SESSION_LIFETIME = 12 * 3600

    # werkzeug hash method; tests lower the scrypt cost to stay fast.
    PASSWORD_HASH_METHOD = "scrypt"
    PASSWORD_MIN_LENGTH = 8
    PASSWORD_RESET_HOURS = 48

    # Sign-in throttling (Flask-Limiter syntax). Failed attempts count;
    # a successful sign-in does not.
    LOGIN_LIMIT_PER_ACCOUNT = "5 per 15 minutes"
    LOGIN_LIMIT_PER_ADDRESS = "20 per 15 minutes"
    # memory:// is per process; set LMS_RATELIMIT_STORAGE_URI=redis://… so
    # that every gunicorn worker shares the counters.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = False
    # When Redis is unreachable, throttling goes on with per-process counters (logged as an error,
    # counted in lms_ratelimit_storage_fallbacks_total) and sign-in keeps working; a second's
    # timeout keeps a Redis that does not answer from holding up every sign-in.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_STORAGE_OPTIONS: dict = {"socket_connect_timeout": 1, "socket_timeout": 1}

    # Reverse proxies in front of the app (nginx, Caddy): how many to trust for X-Forwarded-For,
    # -Proto, -Host, -Port and -Prefix. 0 (no proxy) ignores those headers entirely, so nobody can
    # claim another address or scheme by sending them.
    TRUSTED_PROXIES = 0

    # /metrics (Prometheus) answers requests from these networks (CIDRs, a list or a comma-separated
    # string) or carrying "Authorization: Bearer <METRICS_TOKEN>"; anyone else gets 403.
    METRICS_ALLOWED_NETWORKS: tuple | str = ("127.0.0.1/32", "::1/128")
    METRICS_TOKEN = ""
    # Logs: one JSON object per line on stderr ("json"), or Flask's plain text ("text"); the level of
    # lms's own records; and one INFO line per request (method, path, status, duration, user, request id).
    LOG_FORMAT = "json"
    LOG_LEVEL = "WARNING"
    LOG_REQUESTS = True

    PEOPLE_PER_PAGE = 50

    # The one zone for every time a person sees and every calendar-day count
    # (lms/clock.py). Timestamps are stored in UTC whatever this says.
    TIMEZONE = "Asia/Shanghai"
    # Company-specific days on top of China's statutory calendar (with 调休),
    # as ISO dates: extra days off, and extra working days.
    COMPANY_HOLIDAYS: tuple = ()
    COMPANY_WORKDAYS: tuple = ()
    # Years chinese-calendar does not know yet (it covers 2004-2026 in 1.11) whose
    # published schedule is entered in the two lists above: other days of such a
    # year count Monday to Friday. Any other unknown year is an error, not a guess.
    COMPANY_CALENDAR_YEARS: tuple = ()

    # Onboarding (5.1(3)): the team page lists people hired this many days ago or later.
    ONBOARDING_WINDOW_DAYS = 90
    # The first hire date the new-hire program applies to (ISO date). Staff hired
    # before it (an import of the whole sales force) are not new hires and are
    # never listed as late; set LMS_ONBOARDING_APPLIES_FROM to your program's start.
    ONBOARDING_APPLIES_FROM = "2026-01-01"

    # SMTP for reminders; with no MAIL_SERVER, `lms onboarding remind` only lists them.
    MAIL_SERVER = ""
    MAIL_PORT = 25
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_USE_TLS = False  # STARTTLS
    MAIL_USE_SSL = False
    MAIL_SENDER = "lms@localhost"

    # Folders read by the content and question-bank loaders; empty means the
    # `content/` and `quizzes/` folders beside the package.
    CONTENT_DIR = ""
    QUIZZES_DIR = ""

    # Backups (`lms backup create`, and the daily job): the folder (empty means
    # instance/backups), how many to keep, and the age `lms doctor` calls too old.
    BACKUP_DIR = ""
    BACKUP_KEEP = 14
    BACKUP_MAX_AGE_HOURS = 26
    # Signed ledger checkpoints written by the daily job (empty means instance/checkpoints).
    CHECKPOINT_DIR = ""
    # Scheduled jobs (`lms jobs run-due`): overrides per job, "every 5m", "daily 02:00"
    # (company-local time) or "off", e.g. LMS_JOB_SCHEDULES='{"backup": "daily 03:30"}'.
    JOB_SCHEDULES: dict = {}
    # `lms doctor` warns when the instance folder's disk has less free space than this.
    DOCTOR_MIN_FREE_MB = 1024
