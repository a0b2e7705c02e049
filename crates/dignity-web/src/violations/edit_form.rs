//! The fields of the edit forms of events, acts, persons, involvements and information, as
//! the template `violations_edit.html` draws them (labels, pickers, coded lists).

use super::edit::{Kind, Owner};
use super::*;
use dignity_store::StoreError;

/// One field of an edit form, as the template draws it.
fn field(kind: &str, name: &str, label_key: &str, f: &FormData) -> Json {
    json!({ "kind": kind, "name": name, "label_key": label_key, "value": f.get(name),
        "values": f.all(name), "hint_key": Json::Null, "options": [], "required": false,
        "no_empty": false, "checked": false, "error": Json::Null })
}

fn text(name: &str, f: &FormData) -> Json {
    field("text", name, &format!("vio.field.{name}"), f)
}

fn date(name: &str, f: &FormData) -> Json {
    with_hint(text(name, f), "vio.date_hint")
}

fn secret(kind: &str, name: &str, f: &FormData) -> Json {
    with_hint(
        field(kind, name, &format!("vio.field.{name}"), f),
        "vio.encrypted_hint",
    )
}

fn with_hint(mut j: Json, hint: &str) -> Json {
    j["hint_key"] = json!(hint);
    j
}

fn select(name: &str, f: &FormData, opts: &Json) -> Json {
    let mut j = field("select", name, &format!("vio.field.{name}"), f);
    j["options"] = opts[name].clone();
    j
}

fn multi(name: &str, f: &FormData, opts: &Json) -> Json {
    let mut j = select(name, f, opts);
    j["kind"] = json!("multi");
    j
}

fn choice(name: &str, label_key: &str, f: &FormData, opts: Vec<(String, String)>) -> Json {
    let mut j = field("select", name, label_key, f);
    j["options"] = Json::Array(
        opts.into_iter()
            .map(|(c, l)| json!({ "code": c, "label": l, "prefix": "" }))
            .collect(),
    );
    j
}

fn person(name: &str, label_key: &str, f: &FormData) -> Json {
    with_hint(
        field("person", name, label_key, f),
        "vio.picker_existing_hint",
    )
}

fn levels(ctx: &Ctx, f: &FormData) -> Json {
    let mut j = choice(
        "confidentiality",
        "vio.field.confidentiality",
        f,
        [
            "public",
            "internal",
            "confidential",
            "strictly_confidential",
        ]
        .iter()
        .map(|l| (l.to_string(), ctx.t(&format!("level.{l}"))))
        .collect(),
    );
    j["required"] = json!(true);
    j
}

fn countries(name: &str, vocab: &Vocab, ctx: &Ctx, f: &FormData) -> Json {
    choice(
        name,
        &format!("vio.field.{name}"),
        f,
        vocab.country_options(ctx.lang.code()),
    )
}

fn fieldset(legend: &str, fields: Vec<Json>) -> Json {
    json!({ "legend_key": legend, "fields": fields })
}

/// Where an event or an act took place (the same fields on both forms).
fn location(vocab: &Vocab, ctx: &Ctx, f: &FormData) -> Json {
    fieldset(
        "vio.field.location",
        vec![
            countries("country", vocab, ctx, f),
            text("admin_area", f),
            secret("text", "place", f),
            secret("text", "coordinates", f),
        ],
    )
}

const EVENT_CODED: &[&str] = &[
    "violation_status",
    "monitoring_status",
    "rights_affected",
    "index_terms",
];

pub(super) const ACT_CODED: &[&str] = &v::ACT_CODED;

const PERSON_CODED: &[&str] = &[
    "sex",
    "ethnicity",
    "religion",
    "languages",
    "occupation",
    "counting_unit",
];

const INVOLVEMENT_CODED: &[&str] = &["degree", "perpetrator_type", "latest_status"];

const INFORMATION_CODED: &[&str] = &["connection", "source_type", "reliability", "language"];

pub(super) async fn fieldsets(
    state: &AppState,
    ctx: &Ctx,
    vocab: &Vocab,
    kind: Kind,
    owner: &Owner,
    f: &FormData,
) -> Result<Vec<Json>, StoreError> {
    let lang = ctx.lang.code();
    Ok(match kind {
        Kind::Event => {
            let o = options(vocab, lang, EVENT_CODED);
            let mut lenses = choice(
                "lenses",
                "vio.lenses",
                f,
                v::LENSES
                    .iter()
                    .map(|l| (l.to_string(), ctx.t(&format!("vio.lens.{l}"))))
                    .collect(),
            );
            lenses["kind"] = json!("checkboxes");
            let mut title = text("title", f);
            title["required"] = json!(true);
            vec![
                fieldset(
                    "vio.step_event",
                    vec![
                        title,
                        secret("textarea", "description", f),
                        date("start_date", f),
                        date("end_date", f),
                    ],
                ),
                location(vocab, ctx, f),
                fieldset(
                    "vio.classification",
                    vec![
                        select("violation_status", f, &o),
                        select("monitoring_status", f, &o),
                        multi("rights_affected", f, &o),
                        multi("index_terms", f, &o),
                        lenses,
                        levels(ctx, f),
                    ],
                ),
            ]
        }
        Kind::Act => {
            let o = options(vocab, lang, ACT_CODED);
            let mut t = select("act_type", f, &o);
            t["required"] = json!(true);
            let mut victim = person("victim", "vio.field.victim", f);
            victim["required"] = json!(true);
            vec![
                fieldset(
                    "vio.step_act",
                    vec![
                        t,
                        victim,
                        date("start_date", f),
                        date("end_date", f),
                        multi("methods", f, &o),
                        select("attribution", f, &o),
                        select("victim_status", f, &o),
                        secret("textarea", "consequences", f),
                        levels(ctx, f),
                    ],
                ),
                location(vocab, ctx, f),
                fieldset(
                    "vio.kind.detention",
                    vec![
                        select("detention_type", f, &o),
                        select("whereabouts", f, &o),
                        select("legal_counsel", f, &o),
                        select("court_type", f, &o),
                        secret("textarea", "case_description", f),
                    ],
                ),
                fieldset(
                    "vio.kind.killing",
                    vec![select("autopsy", f, &o), select("death_certificate", f, &o)],
                ),
                fieldset(
                    "vio.kind.torture",
                    vec![
                        select("statements_signed", f, &o),
                        select("medical_attention", f, &o),
                        select("intent", f, &o),
                    ],
                ),
                fieldset(
                    "vio.kind.destruction",
                    vec![
                        text("property_destroyed", f),
                        text("property_value", f),
                        select("compensation", f, &o),
                    ],
                ),
            ]
        }
        Kind::Person => {
            let o = options(vocab, lang, PERSON_CODED);
            let mut name = secret("text", "name", f);
            name["required"] = json!(true);
            let ptype = choice(
                "person_type",
                "vio.field.person_type",
                f,
                ["individual", "organisation"]
                    .iter()
                    .map(|t| (t.to_string(), ctx.t(&format!("vio.person_type.{t}"))))
                    .collect(),
            );
            let age = choice(
                "age_group",
                "vio.field.age_group",
                f,
                v::AGE_GROUPS
                    .iter()
                    .map(|a| (a.to_string(), ctx.t(&format!("vio.age.{a}"))))
                    .collect(),
            );
            let mut deceased = field("checkbox", "deceased", "vio.field.deceased", f);
            deceased["checked"] = json!(f.get("deceased") == "1");
            vec![
                fieldset(
                    "vio.identity",
                    vec![
                        ptype,
                        name,
                        with_hint(
                            field("textarea", "other_names", "vio.field.other_names", f),
                            "vio.other_names_hint",
                        ),
                        select("sex", f, &o),
                        text("gender", f),
                        date("birth_date", f),
                        age,
                        countries("nationality", vocab, ctx, f),
                        select("ethnicity", f, &o),
                        select("religion", f, &o),
                        multi("languages", f, &o),
                        select("occupation", f, &o),
                        select("counting_unit", f, &o),
                        text("group_size", f),
                        deceased,
                        date("death_date", f),
                    ],
                ),
                fieldset(
                    "vio.contact_and_notes",
                    vec![
                        secret("textarea", "contact", f),
                        secret("textarea", "address", f),
                        secret("textarea", "notes", f),
                        levels(ctx, f),
                    ],
                ),
            ]
        }
        Kind::Involvement => {
            let o = options(vocab, lang, INVOLVEMENT_CODED);
            let mut p = person("perpetrator", "vio.field.perp_name", f);
            p["required"] = json!(true);
            vec![fieldset(
                "vio.step_perpetrator",
                vec![
                    p,
                    select("degree", f, &o),
                    select("perpetrator_type", f, &o),
                    select("latest_status", f, &o),
                ],
            )]
        }
        Kind::Information => {
            let o = options(vocab, lang, INFORMATION_CODED);
            let mut s = person("source", "vio.field.source_name", f);
            s["required"] = json!(true);
            let mut about = vec![];
            if let Some(e) = owner.event_id {
                let mut acts = vec![(String::new(), ctx.t("vio.whole_event"))];
                for a in v::acts_of_event(&state.store, &ctx.actor, e).await? {
                    acts.push((
                        a.id.to_string(),
                        format!(
                            "{} — {}",
                            crate::i18n::t_args(
                                ctx.lang,
                                "vio.act_n",
                                &[("id", &a.id.to_string())]
                            ),
                            vocab.label(&a.act_type, lang)
                        ),
                    ));
                }
                let mut c = choice("act_id", "vio.field.about_act", f, acts);
                // The first option is the whole event, not "choose".
                c["no_empty"] = json!(true);
                about.push(c);
            }
            let mut fields = vec![s];
            fields.extend(about);
            fields.extend([
                select("connection", f, &o),
                select("source_type", f, &o),
                select("reliability", f, &o),
                date("info_date", f),
                select("language", f, &o),
                secret("textarea", "remarks", f),
            ]);
            vec![fieldset("vio.step_source", fields)]
        }
    })
}
