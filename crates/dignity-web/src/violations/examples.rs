//! Example contexts of the violations templates, for the template tests (every template
//! rendered in every language, strict about undefined values, accessibility checks).

use super::forms::{form_values, ENTRY_FORM_KEYS};
use super::pages::{entry_fields, event_page_fields};
use super::FormData;
use minijinja::value::Value;
use serde_json::json;

fn v(j: serde_json::Value) -> Value {
    Value::from_serialize(j)
}

fn opts(fields: &[&str]) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    for f in fields {
        m.insert(
            f.to_string(),
            json!([{ "code": "01000000000004", "label": "Violations of the right to life", "prefix": "" },
                   { "code": "01010000000004", "label": "Arrest <b>", "prefix": "— " }]),
        );
    }
    serde_json::Value::Object(m)
}

pub(crate) fn examples() -> Vec<(&'static str, Value, bool, bool)> {
    let lenses = json!([
        { "lens": "death_penalty", "events": 3, "acts": 4, "priority_events": 1 },
        { "lens": "torture", "events": 0, "acts": 0, "priority_events": 0 },
    ]);
    let countries = json!([{ "code": "PER", "label": "Peru" }, { "code": "SYR", "label": "Syrian Arab Republic" }]);
    let mut v_ = vec![];
    v_.push((
        "violations_home.html",
        v(json!({
            "total": 120, "total_label": "more than 10000", "due": 2, "overdue": 1,
            "events": [{ "id": 1, "title": "Raid <script>", "start_date": "2024-03", "end_date": "2024-04", "country": "Peru",
                "admin_area": "Cusco", "acts": 2, "violation_status": "Confirmed", "confidentiality": "internal" }],
            "lenses": lenses,
            "drafts": [{ "id": 3, "updated_at": "2026-01-01T00:00:00Z", "title": "" }],
            "filter": { "q": "raid", "country": "PER", "lens": "torture", "act_type": "01000000000004", "priority": true },
            "countries": countries, "opts": opts(&["act_type"]), "lens_names": ["death_penalty", "torture", "hrd", "disappearance"],
            "priority_countries": "PER, SYR", "page": 2, "has_prev": true, "has_next": true, "may_write": true, "query": "q=raid",
        })),
        true,
        true,
    ));
    v_.push((
        "violations_home.html",
        v(json!({
            "total": 0, "total_label": "0", "due": 0, "overdue": 0, "events": [], "lenses": [], "drafts": [],
            "filter": { "q": "", "country": "", "lens": "", "act_type": "", "priority": false },
            "countries": [], "opts": opts(&["act_type"]), "lens_names": [], "priority_countries": "", "page": 1,
            "has_prev": false, "has_next": false, "may_write": false, "query": "",
        })),
        true,
        false,
    ));
    let entry_opts = opts(&entry_fields());
    let mut full = FormData::default();
    for k in ENTRY_FORM_KEYS {
        full.0.push((k.to_string(), format!("{k} <value>")));
    }
    for (problems, duplicates, form, draft) in [
        (
            json!([{ "field": "Title", "message": "an event needs a title" }]),
            json!([{ "id": 4, "name": "Amaru <Q>", "value": "#4 — Amaru", "roles": ["victim"] }]),
            form_values(&full),
            json!(7),
        ),
        (
            json!(null),
            json!(null),
            form_values(&FormData::default()),
            json!(null),
        ),
    ] {
        v_.push((
            "violations_entry.html",
            v(json!({
                "opts": entry_opts, "countries": countries, "people": [{ "value": "#4 — Amaru" }],
                "lens_names": ["death_penalty", "torture"], "age_groups": ["child", "adult"], "form": form,
                "form_lenses": ["torture"], "form_rights": ["01000000000004"], "problems": problems,
                "duplicates": duplicates, "draft_id": draft,
            })),
            true,
            false,
        ));
    }
    let act = json!({
        "id": 5, "kind": "torture", "act_type": "Torture", "start_date": "2024-03-06", "end_date": "",
        "victim_id": 4, "victim": "P-1A2B3C", "perpetrators": [{ "id": 6, "involvement_id": 11, "name": "Unit <9>", "degree": "Direct", "perpetrator_type": "Police" }],
        "methods": ["Beating"], "sources": 2, "confidentiality": "confidential", "event_id": 1,
        "details": [{ "key": "medical_attention", "value": "None" }, { "key": "consequences", "value": "Broken ribs" }],
    });
    let event_opts = opts(&event_page_fields());
    for (full, may_edit) in [(true, true), (false, false)] {
        v_.push((
            "violations_event.html",
            v(json!({
                "event": { "id": 1, "title": "Raid <b>", "description": if full { "Narrative" } else { "" }, "start_date": "2024-03-05",
                    "end_date": if full { "2024-03-07" } else { "" }, "country": "Peru", "admin_area": "Cusco", "place": "Calle 12",
                    "coordinates": if full { "-13.5, -71.9" } else { "" }, "violation_status": "Confirmed", "monitoring_status": "",
                    "rights_affected": ["Life"], "lenses": ["torture"], "confidentiality": "internal" },
                "acts": if full { json!([act.clone()]) } else { json!([]) },
                "information": if full { json!([{ "id": 8, "source_id": 7, "source": "P-7", "act_id": 5, "source_type": "Interview", "reliability": "High", "connection": "", "info_date": "2024-03-10" }]) } else { json!([]) },
                "interventions": if full { json!([{ "id": 2, "int_type": "Urgent appeal", "int_date": "2024-03-12", "addressees": "SR", "reply_due": "2024-05-11",
                    "follow_up_date": "", "response_date": "", "response_type": "", "status": "", "priority": "" }]) } else { json!([]) },
                "evidence": if full { json!([{ "id": 9, "title": "Video", "derivation": "original", "media_type": "video/mp4", "size_bytes": 10, "sha256": "ab".repeat(32), "original_id": null }]) } else { json!([]) },
                "links": if full { json!([{ "other": 3, "link_type": "Precedes" }]) } else { json!([]) },
                "may_edit": may_edit, "opts": event_opts, "people": [{ "value": "#4 — Amaru" }], "age_groups": ["adult"],
                "act_ids": [5], "problem": if full { json!({ "field": "Victim", "message": "an act needs a victim" }) } else { json!(null) },
            })),
            true,
            false,
        ));
    }
    v_.push(("violations_act.html", v(json!({ "act": act, "event_title": "Raid", "may_edit": true, "interventions": [{ "id": 2, "int_type": "Urgent appeal", "int_date": "2024-03-12" }] })), true, false));
    let mut empty_act = act.clone();
    empty_act["perpetrators"] = json!([]);
    empty_act["methods"] = json!([]);
    empty_act["details"] = json!([]);
    v_.push((
        "violations_act.html",
        v(json!({ "act": empty_act, "event_title": "Raid", "may_edit": false, "interventions": [] })),
        true,
        false,
    ));
    v_.push((
        "violations_persons.html",
        v(json!({ "total": 1, "persons": [{ "id": 4, "name": "Amaru", "person_type": "individual", "roles": ["victim", "source"], "confidentiality": "confidential" }],
            "name": "amaru", "role": "victim", "roles": ["victim", "perpetrator", "source", "intervening_party"], "page": 2, "has_prev": true, "has_next": true })),
        true,
        false,
    ));
    v_.push((
        "violations_persons.html",
        v(json!({ "total": 0, "persons": [], "name": "", "role": "", "roles": ["victim"], "page": 1, "has_prev": false, "has_next": false })),
        true,
        false,
    ));
    // The person page: in full with a refused link, pseudonymised, and erased.
    for (page, admin) in [
        (
            json!({ "person": { "id": 4, "name": "Amaru", "pseudonym": "P-1A2B3C", "confidentiality": "confidential" }, "full": true,
                "fields": [{ "key": "sex", "value": "Female" }, { "key": "contact", "value": "+51" }], "roles": ["victim"],
                "acts": [{ "id": 5, "event_id": 1, "event_title": "Raid", "act_type": "Torture", "start_date": "2024" }],
                "links": [{ "other": 7, "link_type": "Spouse" }], "may_edit": true, "opts": opts(&["person_link"]),
                "people": [{ "value": "#7 — Killa" }], "problem": { "field": "Other person", "message": "no person #99" },
                "erased": false, "may_erase": true }),
            false,
        ),
        (
            json!({ "person": { "id": 4, "name": "P-1A2B3C", "pseudonym": "P-1A2B3C", "confidentiality": "confidential" }, "full": false,
                "fields": [], "roles": [], "acts": [], "links": [], "may_edit": false, "opts": {}, "people": [], "problem": null,
                "erased": false, "may_erase": false }),
            false,
        ),
        // An erased person (crypto-shredding).
        (
            json!({ "person": { "id": 4, "name": "Erased person", "pseudonym": "P-1A2B3C", "confidentiality": "confidential" }, "full": true,
                "fields": [{ "key": "sex", "value": "Female" }], "roles": ["victim"], "acts": [], "links": [], "may_edit": false, "opts": {},
                "people": [], "problem": null, "erased": true, "may_erase": false }),
            true,
        ),
    ] {
        v_.push(("violations_person.html", v(page), true, admin));
    }
    let field = |kind: &str, name: &str, error: serde_json::Value| {
        json!({ "kind": kind, "name": name, "label_key": format!("vio.field.{name}"), "value": "2024-02 <b>",
            "values": ["01000000000004"], "hint_key": if kind == "text" { json!("vio.date_hint") } else { json!(null) },
            "options": [{ "code": "01000000000004", "label": "Life <i>", "prefix": "" }], "required": kind == "person",
            "no_empty": false, "checked": true, "error": error })
    };
    let sets = json!([
        { "legend_key": "vio.step_act", "fields": [
            field("text", "end_date", json!("the end date is before the start date")),
            field("textarea", "consequences", json!(null)), field("select", "act_type", json!(null)),
            field("multi", "methods", json!(null)), field("person", "victim", json!(null)) ] },
        { "legend_key": "vio.classification", "fields": [
            field("checkboxes", "lenses", json!(null)), field("checkbox", "deceased", json!(null)) ] },
    ]);
    for (problem, stale) in [(true, false), (true, true), (false, false)] {
        v_.push((
            "violations_edit.html",
            v(json!({ "kind": "acts", "title_key": "vio.edit_act", "record_id": 5, "action": "/violations/acts/5/edit",
                "back": "/violations/acts/5", "back_label": "Act 5", "version": "0123abcd", "fieldsets": sets, "people": [{ "value": "#4 — Amaru" }],
                "problem": if problem { json!({ "summary": { "field": "End date", "message": "before the start" },
                    "message": "the end date is before the start date", "stale": stale }) } else { json!(null) },
                "error_field": if problem { "end_date" } else { "" } })),
            true,
            false,
        ));
    }
    let it = json!({ "id": 2, "int_type": "Urgent appeal", "int_date": "2024-03-12", "addressees": "SR on torture", "reply_due": "2024-05-11",
        "follow_up_date": "2024-04-01", "response_date": "2024-05-02", "response_type": "Request for more information", "status": "Pending",
        "priority": "Urgent", "description": "Letter", "response_text": "Asked", "impact": "Minor", "party": "NGO", "events": [1], "acts": [5],
        "communications": [{ "iso3": "KEN", "reference": "UA KEN 1/2024", "mandate_code": "SR-TORTURE", "sent": "2024-03-14" }] });
    v_.push(("violations_intervention.html", v(json!({ "it": it, "may_edit": true, "opts": opts(&["response_type", "status", "impact"]) })), true, false));
    let it2 = json!({ "id": 2, "int_type": "Visit", "int_date": "2024-03-12", "addressees": "", "reply_due": "", "follow_up_date": "",
        "response_date": "", "response_type": "", "status": "", "priority": "", "description": "", "response_text": "", "impact": "",
        "party": "", "events": [], "acts": [], "communications": [] });
    v_.push((
        "violations_intervention.html",
        v(json!({ "it": it2, "may_edit": false, "opts": {} })),
        true,
        false,
    ));
    v_.push((
        "violations_due.html",
        v(json!({ "scope": "mine", "scopes": ["mine", "team", "all"], "today": "2024-04-30",
            "items": [{ "id": 2, "int_type": "Urgent appeal", "kind": "reply", "due": "2024-05-11", "overdue": false, "days": 11, "addressees": "SR" },
                      { "id": 3, "int_type": "Visit", "kind": "follow_up", "due": "2024-04-01", "overdue": true, "days": 29, "addressees": "" }] })),
        true,
        false,
    ));
    v_.push(("violations_due.html", v(json!({ "scope": "team", "scopes": ["mine", "team", "all"], "today": "2024-04-30", "items": [] })), true, false));
    v_.push((
        "violations_lens.html",
        v(json!({ "lens": "death_penalty", "counts": { "lens": "death_penalty", "events": 1, "acts": 2, "priority_events": 1 },
            "by_type": [{ "label": "Capital punishment", "count": 2 }],
            "events": [{ "id": 1, "title": "Trial", "start_date": "2024", "country": "Peru", "acts": 2 }],
            "cases": [{ "id": 1, "event_id": 1, "event_title": "Trial", "person_id": 4, "person": "P-1", "status": "commuted", "charge": "x",
                "sentence_date": "2024-06", "execution_date": "", "commutation_date": "2024-09" }],
            "statuses": [{ "status": "commuted", "count": 1 }], "dp_statuses": ["sentenced", "commuted"], "may_write": true })),
        true,
        false,
    ));
    v_.push((
        "violations_lens.html",
        v(json!({ "lens": "torture", "counts": { "lens": "torture", "events": 0, "acts": 0, "priority_events": 0 }, "by_type": [],
            "events": [], "cases": [], "statuses": [], "dp_statuses": [], "may_write": false })),
        true,
        false,
    ));
    v_.push((
        "violations_evidence.html",
        v(json!({ "ev": { "id": 9, "title": "Photo", "description": "", "filename": "IMG 1.jpg", "media_type": "image/jpeg", "size_bytes": 1234,
                "sha256": "ab".repeat(32), "sha512": "cd".repeat(64), "derivation": "public_copy", "original_id": 8, "event_id": 1,
                "acquired_from": "Witness", "acquired_at": "2024-03-10", "acquired_how": "USB stick", "confidentiality": "confidential" },
            "metadata": [{ "key": "GPS", "value": "-13.5, -71.9" }],
            "custody": [{ "seq": 1, "at": "2024-03-10T00:00:00Z", "actor": "dora", "action": "uploaded", "counterpart": "", "method": "", "details": "", "prev_hash": "0", "hash": "1" }],
            "custody_ok": true, "derived": [{ "id": 10, "title": "Copy", "derivation": "redacted", "media_type": "image/jpeg", "size_bytes": 1, "sha256": "ef", "original_id": 9 }],
            "may_strip": true })),
        true,
        false,
    ));
    v_.push((
        "violations_evidence.html",
        v(json!({ "ev": { "id": 9, "title": "Doc", "description": "", "filename": "", "media_type": "application/pdf", "size_bytes": 1,
                "sha256": "ab", "sha512": "cd", "derivation": "original", "original_id": null, "event_id": null,
                "acquired_from": "", "acquired_at": "", "acquired_how": "", "confidentiality": "internal" },
            "metadata": [], "custody": [], "custody_ok": false, "derived": [], "may_strip": false })),
        true,
        false,
    ));
    v_
}
