"""Familyapp: a family-held, offline-capable shared plan of care for children with medical
complexity."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask, url_for
from flask_login import LoginManager
from werkzeug.middleware.proxy_fix import ProxyFix

from familyapp.core import compression, csrf, fragments, generation, headers, i18n, text_input
from familyapp.core.db import db
from familyapp.core.errors import register_error_handlers, unauthenticated
from familyapp.core.paths import resource_dir
from familyapp.core.sessions import DbSessionInterface
from familyapp.settings import Settings, load_settings

__all__ = ["create_app"]


def _blueprints() -> list[Any]:
    # The explicit list of features (design.md): adding one means adding it here.
    from familyapp.accounts import api as accounts_api
    from familyapp.accounts import views as accounts_views
    from familyapp.actionplans import api as actionplans_api
    from familyapp.actionplans import translation_views as actionplans_texts
    from familyapp.actionplans import views as actionplans_views
    from familyapp.calendar import api as calendar_api
    from familyapp.calendar import views as calendar_views
    from familyapp.carelog import api as carelog_api
    from familyapp.carelog import views as carelog_views
    from familyapp.families import api as families_api
    from familyapp.families import views as families_views
    from familyapp.plan import api as plan_api
    from familyapp.plan import translation_views as plan_texts
    from familyapp.plan import views as plan_views
    from familyapp.push import api as push_api
    from familyapp.push import views as push_views
    from familyapp.pwa import views as pwa_views
    from familyapp.surveys import api as surveys_api
    from familyapp.surveys import builder_views as surveys_builder
    from familyapp.surveys import program_views as surveys_programs
    from familyapp.surveys import views as surveys_views
    from familyapp.system import data_rights as system_data
    from familyapp.system import views as system_views

    return [
        system_views.bp,
        system_data.bp,
        pwa_views.bp,
        accounts_views.bp,
        accounts_api.bp,
        families_views.bp,
        families_api.bp,
        plan_views.bp,
        plan_api.bp,
        plan_texts.bp,
        actionplans_views.bp,
        actionplans_api.bp,
        actionplans_texts.bp,
        calendar_views.bp,
        calendar_api.bp,
        carelog_views.bp,
        carelog_api.bp,
        push_views.bp,
        surveys_views.bp,
        surveys_programs.bp,
        surveys_builder.bp,
        surveys_api.bp,
        push_api.bp,
    ]


def import_models() -> None:
    """Import every feature's models so the metadata knows all tables (Alembic, tests)."""
    import familyapp.accounts.models
    import familyapp.actionplans.models
    import familyapp.calendar.models
    import familyapp.carelog.models
    import familyapp.core.models
    import familyapp.families.models
    import familyapp.plan.models
    import familyapp.push.models
    import familyapp.surveys.models  # noqa: F401


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app: the one factory."""
    app = Flask(
        __name__,
        template_folder=str(resource_dir("templates")),
        static_folder=str(resource_dir("static")),
        instance_relative_config=True,
    )
    if settings is None:
        settings = load_settings(Path(app.instance_path))
    app.instance_path = str(settings.instance_path)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        TESTING=settings.testing,
        MAX_CONTENT_LENGTH=5 * 1024 * 1024,
        JSON_SORT_KEYS=False,
        SEND_FILE_MAX_AGE_DEFAULT=3600,
    )
    app.extensions["familyapp.settings"] = settings
    if settings.trusted_hosts:
        app.config["TRUSTED_HOSTS"] = list(settings.trusted_hosts)
    if settings.proxy_count:
        # Behind N proxies that set X-Forwarded-*: the client IP (rate limits, audit) and the
        # https scheme (Secure cookies) come from them, and only from that many hops.
        n = settings.proxy_count
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    if not settings.testing:
        logging.basicConfig(level=logging.INFO)

    import_models()
    db.configure(settings.database_url)
    app.teardown_appcontext(db.remove)
    from familyapp.accounts.models import User

    app.session_interface = DbSessionInterface(
        settings.session_idle_seconds, settings.session_absolute_seconds, owner=User
    )
    app.before_request(DbSessionInterface.raise_if_unavailable)  # first, before CSRF checks

    login_manager = LoginManager()
    login_manager.session_protection = None  # sessions are server-side and rotated at sign-in
    login_manager.init_app(app)

    from familyapp.accounts import service as accounts_service
    from familyapp.families import service as families_service

    login_manager.user_loader(accounts_service.get_user)
    login_manager.unauthorized_handler(unauthenticated)
    from familyapp.accounts import views as accounts_views
    from familyapp.core import authz

    authz.set_signed_in_gate(accounts_views.two_step_gate)
    families_service.install_policy()
    from familyapp.actionplans import service as actionplans_service

    actionplans_service.install_policy()
    from familyapp.calendar import service as calendar_service

    calendar_service.install_policy()
    from familyapp.carelog import service as carelog_service

    carelog_service.install_policy()
    from familyapp.core import ownership
    from familyapp.push import service as push_service

    ownership.register_erasure(push_service.erase_child_reminders)

    i18n.init_app(app)
    csrf.init_app(app)
    fragments.init_app(app)
    generation.init_app(app)
    text_input.init_app(app)
    headers.init_app(app)
    compression.init_app(app)
    register_error_handlers(app)

    for blueprint in _blueprints():
        app.register_blueprint(blueprint)

    from familyapp.pwa.service import static_version

    def static_url(filename: str) -> str:
        return url_for("static", filename=filename) + "?v=" + static_version()

    app.jinja_env.globals["static_url"] = static_url
    return app
