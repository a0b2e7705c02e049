//! Example contexts of the protection templates, for the template tests.

use super::*;

pub(crate) fn examples() -> Vec<(&'static str, Value, bool, bool)> {
    let opt = json!([{ "code": "a", "label": "Option <b>" }]);
    let countries = json!([{ "code": "HND", "label": "Honduras" }]);
    let problem = json!({ "field": "Date", "message": "out of order <b>" });
    vec![
        (
            "protection_home.html",
            v_(
                json!({ "mine": [{ "checkin_id": 1, "defender_id": 2, "defender": "Amina <Diallo>", "due_on": "2024-01-01", "days_overdue": 3 }], "overdue_total": 4, "defenders": 2, "cases": 3 }),
            ),
            true,
            false,
        ),
        (
            "protection_defenders.html",
            v_(json!({
                "total": 1, "rows": [{ "id": 1, "name": "Amina <Diallo>", "region": "R", "risk": "high", "next_review": "2024-05-01", "country": "Honduras", "areas": "Land", "contact": "cora", "open_measures": 1, "confidentiality": "confidential" }],
                "areas": opt, "area": "a", "country": null, "countries": countries, "sexes": opt, "statuses": opt, "users": [{ "id": 1, "name": "cora" }],
                "may_edit": true, "problem": problem, "values": { "name": "x", "organisation": "y", "region": "z" },
            })),
            true,
            false,
        ),
        (
            "protection_defender.html",
            v_(json!({
                "d": { "id": 1, "person_id": 2, "name": "Amina <Diallo>", "organisation": "O", "region": "R", "country": "Honduras", "contact": "c", "whereabouts": "w", "contact_user": "cora", "sex": "Female", "age_group": "adult", "areas": ["Land"], "sdg_status": "hrd", "memorial_consent": true, "confidentiality": "confidential" },
                "attacks": [{ "id": 1, "act_id": 2, "event_id": 3, "date": "2024-01-01", "type": "Threats", "un_reprisal": true, "victim_status": "hrd", "perpetrator_category": "state_actor", "motive": "work_related", "sources": 1, "verified": false, "sex": "Female", "age_group": "adult", "country": "Honduras" }],
                "min_sources": 2,
                "risk": [{ "id": 1, "defender_id": 1, "level": "high", "factors": ["surveillance"], "notes": "n", "assessed_on": "2024-01-01", "next_review": "2024-02-01", "assessor": "cora", "created_at": "x" }],
                "measures": [{ "id": 1, "defender_id": 1, "measure_type": "relocation", "status": "approved", "requested_on": "2024-01-01", "approved_on": "2024-01-02", "delivered_on": "", "closed_on": "", "amount": "", "currency": "", "cost": "10.00", "cost_currency": "EUR", "period_start": "2024-02-01", "period_end": "2024-10-01", "details": { "host": "H", "visa": "V", "security_plan": "S", "description": "D" }, "outcome": "", "intervention_id": null, "history": [{ "from_status": "", "to_status": "requested", "on_date": "2024-01-01", "by": "cora" }] }],
                "checkins": [{ "id": 1, "defender_id": 1, "measure_id": null, "due_on": "2024-01-01", "done_on": "", "notes": "", "overdue": true }],
                "today": "2024-06-01", "attack_types": opt, "perp_categories": opt, "motives": opt, "statuses": opt, "levels": opt, "factors": opt, "measure_types": opt,
                "sources": [{ "id": 4, "name": "Radio" }], "may_edit": true, "problem": problem,
            })),
            true,
            false,
        ),
        (
            "protection_missing_list.html",
            v_(json!({
                "total": 1, "rows": [{ "id": 1, "name": "Agron <K>", "last_seen_date": "1999", "region": "G", "community": "C", "status": "missing", "status_on": "2001-01-01", "sources": 2, "confidentiality": "confidential" }],
                "q": { "status": "missing", "region": "G", "name": "A" }, "statuses": opt, "relationships": opt, "periods": [{ "id": 1, "name": "1998–2000", "start_date": "1998-01", "end_date": "2000-12" }], "sexes": opt,
                "may_edit": true, "problem": problem,
                "values": { "name": "", "other_names": "", "birth_date": "", "last_seen_date": "", "last_seen_place": "", "region": "", "community": "", "circumstances": "", "description": "", "relative_name": "" },
            })),
            true,
            false,
        ),
        (
            "protection_missing.html",
            v_(json!({
                "c": { "id": 1, "name": "Agron <K>", "other_names": "Агрон", "sex": "Male", "birth_date": "1971", "last_seen_date": "1999", "last_seen_place": "P", "region": "G", "community": "C", "circumstances": "x", "description": "y", "period": "1998–2000", "status": "missing", "status_on": "2001-01-01", "confidentiality": "confidential" },
                "history": [{ "seq": 1, "from_status": "", "to_status": "missing", "changed_on": "2001-01-01", "evidence_id": 3, "reference": "r", "note": "n", "by": "dora", "at": "x" }],
                "next": opt, "consent": "commission", "consent_obj": { "commission": true, "organisations": false },
                "reports": [{ "id": 1, "missing_id": 1, "relative_id": 1, "relative": "S", "relationship": "spouse", "reported_on": "2001-01-01", "consent": { "commission": true, "organisations": false }, "consent_updated_at": "x" }],
                "relatives": [{ "id": 1, "missing_id": 1, "name": "S", "relationship": "spouse", "contact": "c" }],
                "shares": [{ "id": 1, "missing_id": 1, "recipient_kind": "commission", "recipient": "GCMP", "channel": "share", "fields": "name", "by": "cora", "at": "2024-01-01T00:00:00Z" }],
                "records": [{ "id": 1, "source": "ICRC", "kind": "red_cross", "external_id": "K-1", "line": 2, "name": "Agron", "birth_date": "1971", "imported_at": "x", "conflicts": ["birth_date: 1973"] }],
                "candidates": [{ "record_id": 2, "source": "NGO", "name": "Agron", "score": "90", "reasons": "name" }],
                "links": [{ "id": 1, "relative": "S", "created_at": "x", "expires_on": "2025-01-01", "revoked": false, "last_used_at": "" }],
                "relationships": opt, "may_edit": true, "may_share": true, "problem": problem,
                "extra": { "family_link": "/family/abc", "withdrawn": true, "already_shared": [{ "recipient": "GCMP", "recipient_kind": "commission", "at": "2024-01-01T00:00:00Z", "fields": "name" }] },
            })),
            true,
            false,
        ),
        (
            "protection_sources.html",
            v_(json!({
                "sources": [{ "id": 1, "name": "ICRC", "kind": "red_cross", "records": 2, "linked": 1 }], "kinds": opt, "targets": ["external_id", "name"],
                "candidates": [{ "record_id": 1, "record_source": "ICRC", "record_name": "A", "other_kind": "case", "other_id": 2, "other_source": "", "other_name": "B", "score": "90", "reasons": "r" },
                               { "record_id": 3, "record_source": "ICRC", "record_name": "A", "other_kind": "record", "other_id": 4, "other_source": "NGO", "other_name": "B", "score": "80", "reasons": "r" }],
                "may_edit": true, "problem": problem, "errors": [{ "line": 3, "field": "name", "message": "empty" }],
                "report": { "import_id": 1, "rows": 2, "new": 1, "changed": 0, "unchanged": 1, "unused_columns": [{ "column": "date_of_birth", "position": 3, "suggestion": "birth_date" }, { "column": "", "position": 5, "suggestion": null }] },
                "window": { "after": 500, "checked": 500, "next": 1000 },
            })),
            true,
            false,
        ),
        (
            "protection_reports.html",
            v_(json!({
                "year": 2024, "country": "HND", "by": "region", "bys": ["period", "region", "community", "year"],
                "counts": [{ "group": "G", "open": 1, "located": 2, "closed": 0 }, { "group": "", "open": 1, "located": 0, "closed": 0 }], "svg": "<svg></svg>",
                "sdg": { "year": 2024, "country": "HND", "rows": [{ "victim_status": "hrd", "sex": "female", "age_group": "adult", "perpetrator_category": "business", "count": 1 }], "total": 1, "unverified": 0 },
                "countries": countries,
            })),
            true,
            false,
        ),
        (
            "protection_memorial.html",
            v_(
                json!({ "entries": [{ "name": "Amina <Diallo>", "date": "2016-03-03", "country": "Honduras", "areas": "Land" }] }),
            ),
            false,
            false,
        ),
        (
            "protection_family.html",
            v_(
                json!({ "view": { "name": "Agron", "status": "missing", "status_on": "2001-01-01", "history": [["2001-01-01", "missing"]] } }),
            ),
            false,
            false,
        ),
        (
            "protection_vocabulary.html",
            v_(json!({
                "kind": "attack", "other": "area",
                "terms": [{ "code": "un_reprisal", "label": "Reprisal <b>", "label_en": "Reprisal <b>", "label_fr": "Représailles", "label_es": "Represalia", "label_ar": "انتقام", "label_ru": "Репрессалии", "act_type": "02010303000004", "un_reprisal": true, "active": true },
                          { "code": "local-1", "label": "Old", "label_en": "Old", "label_fr": "", "label_es": "", "label_ar": "", "label_ru": "", "act_type": "", "un_reprisal": false, "active": false }],
                "langs": LANGS.iter().map(|(c, n)| json!({ "code": c, "name": n })).collect::<Vec<_>>(),
                "may_edit": true, "problem": problem,
            })),
            true,
            true,
        ),
    ]
}
