"""The page record of docs/ARCHITECTURE.md: every key always present, JSON-serialisable.

Layouts return partial dicts; `build_record` lays them over `empty_record()` and coerces the
shapes, so a layout that forgets a key or yields a wrong type cannot break the contract.
"""

from __future__ import annotations

from typing import Any

SCALAR_KEYS = (
    "nct_id",
    "brief_title",
    "official_title",
    "acronym",
    "overall_status",
    "study_type",
    "enrollment_type",
    "start_date",
    "primary_completion_date",
    "completion_date",
    "first_submitted_date",
    "first_posted_date",
    "last_update_date",
    "current_as_of",
    "completion_date_type",
    "lead_sponsor",
    "min_age",
    "max_age",
    "sex",
    "healthy_volunteers",
    "eligibility_text",
    "brief_summary",
    "detailed_description",
)
STR_LIST_KEYS = ("other_ids", "phases", "collaborators", "conditions", "keywords", "related_nct_ids")
INTERVENTION_KEYS = ("type", "name", "description")
ARM_KEYS = ("label", "type", "description")
DESIGN_KEYS = ("allocation", "intervention_model", "primary_purpose", "masking")
SITE_KEYS = ("facility", "city", "state", "zip", "country", "status")
PERSON_KEYS = ("name", "role", "affiliation", "phone", "email")
OUTCOME_KEYS = ("kind", "measure", "time_frame", "description")
REFERENCE_KEYS = ("pmid", "citation")
DICT_LIST_KEYS = {
    "interventions": INTERVENTION_KEYS,
    "sites": SITE_KEYS,
    "contacts": PERSON_KEYS,
    "officials": PERSON_KEYS,
    "outcomes": OUTCOME_KEYS,
    "references": REFERENCE_KEYS,
}
RECORD_KEYS = (
    "nct_id",
    "other_ids",
    "brief_title",
    "official_title",
    "acronym",
    "overall_status",
    "phases",
    "study_type",
    "enrollment",
    "enrollment_type",
    "start_date",
    "primary_completion_date",
    "completion_date",
    "first_submitted_date",
    "first_posted_date",
    "last_update_date",
    "current_as_of",
    "completion_date_type",
    "lead_sponsor",
    "collaborators",
    "conditions",
    "keywords",
    "interventions",
    "arms",
    "design",
    "min_age",
    "max_age",
    "sex",
    "healthy_volunteers",
    "eligibility_text",
    "sites",
    "contacts",
    "officials",
    "outcomes",
    "references",
    "related_nct_ids",
    "brief_summary",
    "detailed_description",
)


def empty_record() -> dict[str, Any]:
    """A record stating nothing: None scalars, empty lists, a design of Nones."""
    rec: dict[str, Any] = dict.fromkeys(RECORD_KEYS)
    for key in (*STR_LIST_KEYS, *DICT_LIST_KEYS, "arms"):
        rec[key] = []
    rec["design"] = dict.fromkeys(DESIGN_KEYS)
    return rec


def _str(v: Any) -> str | None:
    if v is None:
        return None
    s = str(v).strip()
    return s or None


def _shape(d: Any, keys: tuple[str, ...]) -> dict[str, str | None]:
    d = d if isinstance(d, dict) else {}
    return {k: _str(d.get(k)) for k in keys}


def person(**kw: Any) -> dict[str, str | None]:
    return _shape(kw, PERSON_KEYS)


def site(**kw: Any) -> dict[str, str | None]:
    return _shape(kw, SITE_KEYS)


def intervention(**kw: Any) -> dict[str, str | None]:
    return _shape(kw, INTERVENTION_KEYS)


def outcome(**kw: Any) -> dict[str, str | None]:
    return _shape(kw, OUTCOME_KEYS)


def reference(**kw: Any) -> dict[str, str | None]:
    return _shape(kw, REFERENCE_KEYS)


def arm(label: Any = None, type: Any = None, description: Any = None, interventions: Any = ()) -> dict:
    out: dict[str, Any] = _shape({"label": label, "type": type, "description": description}, ARM_KEYS)
    out["interventions"] = [s for s in (_str(x) for x in interventions or ()) if s]
    return out


def _int(v: Any) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    try:
        return int(str(v).replace(",", "").strip())
    except (TypeError, ValueError):
        return None


def build_record(partial: dict[str, Any]) -> dict[str, Any]:
    """Lay a layout's partial result over the empty record, keeping only contract keys and shapes."""
    rec = empty_record()
    for key in SCALAR_KEYS:
        rec[key] = _str(partial.get(key))
    for key in STR_LIST_KEYS:
        vals = [_str(x) for x in partial.get(key) or ()]
        rec[key] = [v for v in vals if v]
    for key, keys in DICT_LIST_KEYS.items():
        rows = [_shape(x, keys) for x in partial.get(key) or ()]
        rec[key] = [r for r in rows if any(r.values())]
    arms = [arm(**{k: a.get(k) for k in (*ARM_KEYS, "interventions")}) for a in partial.get("arms") or ()]
    rec["arms"] = [a for a in arms if a["label"] or a["description"] or a["interventions"]]
    rec["design"] = _shape(partial.get("design"), DESIGN_KEYS)
    rec["enrollment"] = _int(partial.get("enrollment"))
    return rec
