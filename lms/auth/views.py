"""Sign-in, sign-out, change password, and redeeming a reset link."""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from lms.auth import service
from lms.auth.forms import ChangePasswordForm, LoginForm, ResetPasswordForm
from lms.extensions import db, limiter, login_manager
from lms.forms import show_error

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = "请先登录。"
login_manager.login_message_category = "info"
login_manager.session_protection = None  # the server-side session row is the protection


@login_manager.user_loader
def _load_user(token: str):
    user = service.load_session_user(token)
    if user is not None:
        user.session_token = token
    return user


def _login_account():
    """The account the typed sign-in name resolves to (looked up once per request)."""
    if "login_account" not in g:
        g.login_account = service.find_by_login(request.form.get("login", ""))
    return g.login_account


def _login_key() -> str:
    """Throttle key per resolved account, so its employee number and e-mail share one budget."""
    return service.throttle_key(request.form.get("login", ""), _login_account())


def _login_failed(_response) -> bool:
    return g.get("login_failed", False)


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after sign-in (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("dashboard.home")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"], deduct_when=_login_failed)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    key_func=_login_key,
    methods=["POST"],
    deduct_when=_login_failed,
)
def login():
    """Sign in by employee number or e-mail; one answer for every failure."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = service.check_credentials(_login_account(), form.password.data)
        if user is not None:
            session.clear()  # a fresh session at every sign-in
            user.session_token = service.start_session(user, request.remote_addr)
            db.session.commit()
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append("工号/邮箱或密码不正确。")
    if request.method == "POST":
        g.login_failed = True
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    """Sign out: the server-side session is revoked, so the old cookie is dead."""
    service.end_session(current_user.session_token)
    db.session.commit()
    logout_user()
    session.clear()
    flash("您已退出登录。", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password; other devices are signed out."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            service.change_password(
                current_user, form.current_password.data, form.new_password.data, current_user.session_token
            )
        except service.AuthError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash("密码已修改，其他设备上的登录已退出。", "success")
            return redirect(url_for("dashboard.home"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit("30 per hour", methods=["POST"])
def reset_password(token: str):
    """Set a new password through an administrator-issued, single-use link."""
    if service.find_valid_reset(token) is None:
        return render_template("auth/reset_invalid.html"), 404
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            service.redeem_password_reset(token, form.new_password.data)
        except service.AuthError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash("新密码已设置，请登录。", "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form)
