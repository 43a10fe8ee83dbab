"""Checks the system pages need (database reachability), and a family's data rights: the
export of everything held about it and its complete deletion."""

from __future__ import annotations

import io
import json
import zipfile

from flask_babel import gettext as _
from sqlalchemy import text

from familyapp.accounts import passwords
from familyapp.accounts.models import User
from familyapp.core import audit, clock, ownership
from familyapp.core.db import db
from familyapp.core.errors import ServiceError
from familyapp.families.models import Family
from familyapp.plan import fhir, translations
from familyapp.plan import service as plan_service


def database_ok() -> bool:
    """True when the database answers a trivial query."""
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception:  # any driver error means "not ok" to a health check
        db.session.rollback()
        return False


# --- data rights: everything about a family, out; and all of it, gone -----------------------

EXPORT_FORMAT = "familyapp-family-export/1"


def export_family(user: User, family: Family) -> bytes:
    """A zip of everything the app holds about a family: every row as JSON, and each child's
    plan as a FHIR R4 Bundle (with its translations)."""
    rows = ownership.owned(family.id)
    manifest = {
        "format": EXPORT_FORMAT,
        "family": str(family.id),
        "exported_at": clock.utcnow().isoformat(),
        "exported_by": str(user.id),
        "tables": {name: len(found) for name, found in rows.items()},
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, indent=2))
        archive.writestr(
            "everything.json",
            json.dumps(ownership.exportable(rows), indent=1, ensure_ascii=False, default=str),
        )
        for child in sorted(family.children, key=lambda c: str(c.id)):
            view = plan_service.get_plan(child)
            bundle = fhir.plan_bundle(
                child,
                view,
                translations.current_translations(child.id, view.document),
                view.language,
            )
            archive.writestr(f"fhir/{child.id}.json", json.dumps(bundle, ensure_ascii=False))
    audit.record(
        "family.exported", actor_id=user.id, family_id=family.id, detail=manifest["tables"]
    )
    db.session.commit()
    return buffer.getvalue()


def delete_family(user: User, family: Family, password: str, confirm_name: str) -> dict[str, int]:
    """Delete a family and everything about it, after the guardian's password and its name."""
    errors: dict[str, list[str]] = {}
    if not passwords.verify(user.password_hash, password):
        errors["password"] = [_("That is not your password.")]
    if confirm_name.strip() != family.name.strip():
        errors["confirm_name"] = [_("Type the family's name exactly as shown.")]
    if errors:
        raise ServiceError(_("Please correct the fields shown."), status=422, errors=errors)
    family_id = family.id
    counts = ownership.erase(family_id)
    # Kept after the family is gone (the family's own log goes with it): who deleted what, when.
    audit.record(
        "family.deleted",
        actor_id=user.id,
        target=f"family:{family_id}",
        detail={"rows": sum(counts.values()), "tables": counts},
    )
    db.session.commit()
    return counts
