"""Flask extensions, created unbound and bound to the app in `create_app`."""

from flask import request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# A naming convention gives every constraint a stable name, which Alembic
# needs to alter or drop it (SQLite batch mode included).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base shared by every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Objects keep their loaded state after a commit: a view may commit as soon as
# its writes are done and render afterwards without reloading every row, which
# keeps SQLite's write lock short.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


@limiter.request_filter
def _reads_are_never_throttled() -> bool:
    """Let GET and HEAD requests past the limiter without resolving any limit.

    The only limits guard POSTs (sign-in and password reset, `methods=["POST"]`),
    yet the limiter would resolve them afresh on every page view: about 5% of a
    lesson page's time (bench_lesson_page.py). A limit on a GET view would need
    this filter changed; tests/auth show the POST limits still apply.
    """
    return request.method in ("GET", "HEAD")
