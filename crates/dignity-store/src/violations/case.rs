//! A whole case (an event with its acts, persons, involvements, information, interventions,
//! death penalty cases, relationships and evidence records) as one JSON document that
//! round-trips without loss: records refer to each other by case-local references
//! (`p1`, `a1`, …), never by database ids.

use super::interventions::{self, InterventionInput};
pub use super::records::{act_input, event_input, person_input};
use super::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use dignity_core::violations::case as rules;
pub use dignity_core::violations::case::FORMAT;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct CasePerson {
    #[serde(rename = "ref")]
    pub r: String,
    /// True when the exporter could not see this person's identity: the names are
    /// pseudonyms.
    #[serde(default)]
    pub pseudonymised: bool,
    #[schema(value_type = Object)]
    pub record: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct CasePerpetrator {
    pub perpetrator: String,
    pub degree: Option<String>,
    pub perpetrator_type: Option<String>,
    pub latest_status: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct CaseAct {
    #[serde(rename = "ref")]
    pub r: String,
    pub victim: String,
    pub perpetrators: Vec<CasePerpetrator>,
    /// The act's fields (as in `ActInput`, without ids).
    #[schema(value_type = Object)]
    pub record: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct CaseInformation {
    pub source: String,
    pub act: Option<String>,
    pub person: Option<String>,
    #[serde(default)]
    pub about_event: bool,
    #[schema(value_type = Object)]
    pub record: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct CaseIntervention {
    pub party: Option<String>,
    pub acts: Vec<String>,
    pub persons: Vec<String>,
    #[schema(value_type = Object)]
    pub record: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct CaseRelationship {
    pub a: String,
    pub b: String,
    pub link_type: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct CaseEvidence {
    #[serde(rename = "ref")]
    pub r: String,
    pub original: Option<String>,
    pub act: Option<String>,
    pub person: Option<String>,
    /// 64 lower-case hex digits: the file's address in the files directory.
    #[schema(value_type = String)]
    pub sha256: dignity_core::Sha256,
    pub sha512: String,
    pub size_bytes: i64,
    #[schema(value_type = String)]
    pub media_type: dignity_core::MediaType,
    pub derivation: String,
    pub title: String,
    pub description: String,
    pub filename: String,
}

/// The JSON document of a case.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Case {
    pub format: String,
    #[schema(value_type = Object)]
    pub event: serde_json::Value,
    pub persons: Vec<CasePerson>,
    pub acts: Vec<CaseAct>,
    pub information: Vec<CaseInformation>,
    pub interventions: Vec<CaseIntervention>,
    pub death_penalty: Vec<CaseDeathPenalty>,
    pub relationships: Vec<CaseRelationship>,
    /// Records of evidence items (the files travel in an evidence package).
    pub evidence: Vec<CaseEvidence>,
}

fn strip(mut v: serde_json::Value, keys: &[&str]) -> serde_json::Value {
    if let Some(o) = v.as_object_mut() {
        for k in keys {
            o.remove(*k);
        }
    }
    v
}

const IDS: &[&str] = &[
    "event_id",
    "victim_id",
    "perpetrators",
    "need_to_know_users",
    "need_to_know_teams",
    "source_id",
    "act_id",
    "person_id",
    "intervening_party_id",
    "events",
    "acts",
    "persons",
    "assigned_user",
    "assigned_team",
];

/// Export a case. The actor needs the export right on the event; acts, interventions and
/// evidence they may not export are left out; persons they may not see are pseudonymised.
/// The export is audited.
pub async fn export_case(store: &Store, actor: &Actor, event_id: i64) -> Result<Case> {
    require(store, actor, Action::Export, EVENT, event_id).await?;
    let ev = get_event(store, event_id)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("event {event_id}")))?;
    let mut persons: Vec<(i64, CasePerson)> = vec![];
    let person_ref = |store: &Store, id: i64| {
        let store = store.clone();
        let actor = actor.clone();
        async move {
            let p = get_person(&store, id)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("person {id}")))?;
            let full = can(&store, &actor, Action::Export, PERSON, id).await?
                && sees_names(&store, &actor).await?;
            let p = if full { p } else { p.pseudonymised() };
            Ok::<_, StoreError>((p, !full))
        }
    };
    let mut refs: HashMap<i64, String> = HashMap::new();
    macro_rules! pref {
        ($id:expr) => {{
            let id: i64 = $id;
            if let Some(r) = refs.get(&id) {
                r.clone()
            } else {
                let (p, pseudo) = person_ref(store, id).await?;
                let r = format!("p{}", refs.len() + 1);
                refs.insert(id, r.clone());
                persons.push((
                    id,
                    CasePerson {
                        r: r.clone(),
                        pseudonymised: pseudo,
                        record: strip(
                            serde_json::to_value(person_input(&p)).unwrap_or_default(),
                            IDS,
                        ),
                    },
                ));
                r
            }
        }};
    }
    let mut acts = vec![];
    let mut act_refs: HashMap<i64, String> = HashMap::new();
    for a in acts_of_event(store, actor, event_id).await? {
        if !can(store, actor, Action::Export, ACT, a.id).await? {
            continue;
        }
        let victim = pref!(a.victim_id);
        let mut perps = vec![];
        for i in involvements(store, actor, a.id).await? {
            perps.push(CasePerpetrator {
                perpetrator: pref!(i.perpetrator_id),
                degree: i.degree,
                perpetrator_type: i.perpetrator_type,
                latest_status: i.latest_status,
            });
        }
        let r = format!("a{}", acts.len() + 1);
        act_refs.insert(a.id, r.clone());
        acts.push(CaseAct {
            r,
            victim,
            perpetrators: perps,
            record: strip(serde_json::to_value(act_input(&a)).unwrap_or_default(), IDS),
        });
    }
    let mut information = vec![];
    for i in information_of(store, actor, Some(event_id), None).await? {
        let i = i.record;
        let act = match i.act_id {
            Some(a) => match act_refs.get(&a) {
                Some(r) => Some(r.clone()),
                None => continue,
            },
            None => None,
        };
        let source = pref!(i.source_id);
        let person = match i.person_id {
            Some(p) => Some(pref!(p)),
            None => None,
        };
        let rec = InformationInput {
            source_id: 0,
            event_id: None,
            act_id: None,
            person_id: None,
            ..information_input(&i)
        };
        information.push(CaseInformation {
            source,
            act,
            person,
            about_event: true,
            record: strip(serde_json::to_value(rec).unwrap_or_default(), IDS),
        });
    }
    let mut ints = vec![];
    for it in interventions::interventions_for(store, actor, EVENT, event_id).await? {
        if !can(store, actor, Action::Export, INTERVENTION, it.id).await? {
            continue;
        }
        let party = match it.intervening_party_id {
            Some(p) => Some(pref!(p)),
            None => None,
        };
        let a: Vec<String> = it
            .acts
            .iter()
            .filter_map(|a| act_refs.get(a).cloned())
            .collect();
        let mut ps = vec![];
        for p in &it.persons {
            ps.push(pref!(*p));
        }
        let rec = InterventionInput {
            int_type: it.int_type.clone(),
            addressees: it.addressees.clone(),
            int_date: it.int_date.clone(),
            description: it.description.clone(),
            response_type: it.response_type.clone(),
            response_date: it.response_date.clone(),
            response_text: it.response_text.clone(),
            status: it.status.clone(),
            priority: it.priority.clone(),
            impact: it.impact.clone(),
            follow_up_date: it.follow_up_date.clone(),
            confidentiality: it.confidentiality.to_string(),
            ..Default::default()
        };
        ints.push(CaseIntervention {
            party,
            acts: a,
            persons: ps,
            record: strip(serde_json::to_value(rec).unwrap_or_default(), IDS),
        });
    }
    let mut dp = vec![];
    for r in sqlx::query(
        "SELECT person_id, status, charge, sentence_date, execution_date, commutation_date, id FROM vio_death_penalty WHERE event_id = $1 ORDER BY id",
    )
    .bind(event_id)
    .fetch_all(store.pool())
    .await?
    {
        let id: i64 = r.get(6);
        let f = |c: &str, i: usize| dec(store, &format!("vio_death_penalty.{c}"), id, r.get(i));
        dp.push(CaseDeathPenalty {
            person: pref!(r.get::<i64, _>(0)),
            status: r.get(1),
            charge: f("charge", 2)?,
            sentence_date: f("sentence_date", 3)?,
            execution_date: f("execution_date", 4)?,
            commutation_date: f("commutation_date", 5)?,
        });
    }
    let mut rels = vec![];
    let ids: Vec<i64> = persons.iter().map(|p| p.0).collect();
    for r in sqlx::query("SELECT person_a, person_b, link_type FROM vio_person_links ORDER BY id")
        .fetch_all(store.pool())
        .await?
    {
        let (a, b): (i64, i64) = (r.get(0), r.get(1));
        if ids.contains(&a) && ids.contains(&b) {
            rels.push(CaseRelationship {
                a: refs[&a].clone(),
                b: refs[&b].clone(),
                link_type: r.get(2),
            });
        }
    }
    let mut evidence = vec![];
    let mut ev_refs: HashMap<i64, String> = HashMap::new();
    for e in evidence::list_evidence(store, actor, Some(event_id), None).await? {
        if !can(store, actor, Action::Export, EVIDENCE, e.id).await? {
            continue;
        }
        let r = format!("e{}", evidence.len() + 1);
        ev_refs.insert(e.id, r.clone());
        evidence.push(CaseEvidence {
            r,
            original: e.original_id.and_then(|o| ev_refs.get(&o).cloned()),
            act: e.act_id.and_then(|a| act_refs.get(&a).cloned()),
            person: e.person_id.and_then(|p| refs.get(&p).cloned()),
            sha256: e.sha256,
            sha512: e.sha512,
            size_bytes: e.size_bytes,
            media_type: e.media_type,
            derivation: e.derivation,
            title: e.title,
            description: e.description,
            filename: e.filename,
        });
    }
    store
        .log_event(
            actor,
            "case.export",
            EVENT,
            &event_id.to_string(),
            serde_json::json!({ "acts": acts.len(), "persons": persons.len() }),
        )
        .await?;
    let mut ev_in = event_input(&ev);
    ev_in.lenses.sort();
    Ok(Case {
        format: FORMAT.into(),
        event: strip(serde_json::to_value(ev_in).unwrap_or_default(), IDS),
        persons: persons.into_iter().map(|p| p.1).collect(),
        acts,
        information,
        interventions: ints,
        death_penalty: dp,
        relationships: rels,
        evidence,
    })
}

fn field<T: serde::de::DeserializeOwned>(v: &serde_json::Value, what: &str) -> Result<T> {
    serde_json::from_value(v.clone()).map_err(|e| rules::unreadable(what.to_string(), e).into())
}

/// Import a case exported by [`export_case`]: everything is validated first, then written
/// in one transaction. Returns the new event's id. Evidence records are re-created only
/// for files already in this installation's files directory (import the evidence package
/// first); others are reported as missing.
pub async fn import_case(store: &Store, actor: &Actor, case: &Case) -> Result<(i64, Vec<String>)> {
    rules::format(&case.format)?;
    let vocab = Vocab::load(store).await?;
    let ev: EventInput = field(&case.event, "event")?;
    validate_event(&vocab, &ev)?;
    let mut refs = rules::Refs::new(case.acts.iter().map(|a| a.r.clone()));
    let mut persons: HashMap<String, PersonInput> = HashMap::new();
    for p in &case.persons {
        let pi: PersonInput = field(&p.record, &format!("persons[{}]", p.r))?;
        validate_person(&vocab, &pi)
            .map_err(|e| rules::in_record(format!("persons[{}]", p.r), e))?;
        refs.add_person(&p.r)?;
        persons.insert(p.r.clone(), pi);
    }
    let known = |r: &str, what: &str| -> Result<()> { Ok(refs.person(r, what.to_string())?) };
    let mut acts = vec![];
    for a in &case.acts {
        let mut ai: ActInput = field(&a.record, &format!("acts[{}]", a.r))?;
        known(&a.victim, &format!("acts[{}].victim", a.r))?;
        ai.victim_id = Some(0);
        for p in &a.perpetrators {
            known(&p.perpetrator, &format!("acts[{}].perpetrators", a.r))?;
            ai.perpetrators.push(InvolvementInput {
                perpetrator_id: 0,
                degree: p.degree.clone(),
                perpetrator_type: p.perpetrator_type.clone(),
                latest_status: p.latest_status.clone(),
            });
        }
        validate_act(&vocab, &ai).map_err(|e| rules::in_record(format!("acts[{}]", a.r), e))?;
        acts.push(ai);
    }
    let act_ref = |r: &Option<String>| -> Result<Option<usize>> { Ok(refs.act(r.as_deref())?) };
    for i in &case.information {
        known(&i.source, "information.source")?;
        if let Some(p) = &i.person {
            known(p, "information.person")?;
        }
        act_ref(&i.act)?;
        let _: InformationInput = field(&i.record, "information")?;
    }
    for i in &case.interventions {
        if let Some(p) = &i.party {
            known(p, "interventions.party")?;
        }
        for p in &i.persons {
            known(p, "interventions.persons")?;
        }
        for a in &i.acts {
            act_ref(&Some(a.clone()))?;
        }
        let _: InterventionInput = field(&i.record, "interventions")?;
    }
    for d in &case.death_penalty {
        known(&d.person, "death_penalty.person")?;
    }
    for r in &case.relationships {
        known(&r.a, "relationships.a")?;
        known(&r.b, "relationships.b")?;
    }
    // Evidence files are addressed only by their SHA-256 (a parsed value, never a path).
    // A file that is stored is read again: its SHA-256 must be its address, and the
    // record's SHA-512 and size must be the file's.
    let mut blobs: Vec<Option<evidence::Blob>> = Vec::with_capacity(case.evidence.len());
    for e in &case.evidence {
        let found = evidence::EvidenceStore::verify(store, &e.sha256)
            .map_err(|err| StoreError::Internal(err.to_string()))?;
        if let Some(b) = &found {
            rules::same_file(&e.r, (b.size, &b.sha512), (e.size_bytes, &e.sha512))?;
        }
        blobs.push(found);
    }

    let mut tx = store.begin(actor).await?;
    let event_id = create_event(&mut tx, &vocab, &ev).await?;
    let mut pid: HashMap<String, i64> = HashMap::new();
    for p in &case.persons {
        let id = create_person(&mut tx, &vocab, &persons[&p.r]).await?;
        pid.insert(p.r.clone(), id);
    }
    let mut aid: Vec<i64> = vec![];
    for (a, ai) in case.acts.iter().zip(acts.iter_mut()) {
        ai.event_id = event_id;
        ai.victim_id = Some(pid[&a.victim]);
        for (inv, p) in ai.perpetrators.iter_mut().zip(&a.perpetrators) {
            inv.perpetrator_id = pid[&p.perpetrator];
        }
        aid.push(create_act(&mut tx, &vocab, ai).await?);
    }
    for i in &case.information {
        let mut ii: InformationInput = field(&i.record, "information")?;
        ii.source_id = pid[&i.source];
        ii.event_id = Some(event_id);
        ii.act_id = act_ref(&i.act)?.map(|k| aid[k]);
        ii.person_id = i.person.as_ref().map(|p| pid[p]);
        add_information(&mut tx, &vocab, &ii).await?;
    }
    for i in &case.interventions {
        let mut ii: InterventionInput = field(&i.record, "interventions")?;
        ii.intervening_party_id = i.party.as_ref().map(|p| pid[p]);
        ii.events = vec![event_id];
        ii.acts = i
            .acts
            .iter()
            .map(|a| act_ref(&Some(a.clone())).map(|k| aid[k.unwrap_or(0)]))
            .collect::<Result<_>>()?;
        ii.persons = i.persons.iter().map(|p| pid[p]).collect();
        interventions::create_intervention(&mut tx, &vocab, &ii).await?;
    }
    for d in &case.death_penalty {
        set_death_penalty(
            &mut tx,
            &DeathPenaltyInput {
                event_id,
                person_id: pid[&d.person],
                status: d.status.clone(),
                charge: d.charge.clone(),
                sentence_date: d.sentence_date.clone(),
                execution_date: d.execution_date.clone(),
                commutation_date: d.commutation_date.clone(),
            },
        )
        .await?;
    }
    for r in &case.relationships {
        link_persons(&mut tx, &vocab, pid[&r.a], pid[&r.b], &r.link_type, "", "").await?;
    }
    let mut missing = vec![];
    let mut eid: HashMap<String, i64> = HashMap::new();
    for (e, blob) in case.evidence.iter().zip(blobs) {
        let Some(blob) = blob else {
            missing.push(e.sha256.to_string());
            continue;
        };
        let input = evidence::EvidenceInput {
            title: e.title.clone(),
            description: e.description.clone(),
            filename: e.filename.clone(),
            media_type: e.media_type.to_string(),
            derivation: e.derivation.clone(),
            original_id: e.original.as_ref().and_then(|o| eid.get(o).copied()),
            event_id: Some(event_id),
            act_id: act_ref(&e.act)?.map(|k| aid[k]),
            person_id: e.person.as_ref().and_then(|p| pid.get(p).copied()),
            ..Default::default()
        };
        let id = evidence::create_evidence(&mut tx, &input, &blob, &[]).await?;
        eid.insert(e.r.clone(), id);
    }
    tx.audit(
        "case.import",
        EVENT,
        &event_id.to_string(),
        None,
        None,
        serde_json::json!({ "acts": aid.len(), "persons": pid.len(), "missing_files": missing.len() }),
    );
    tx.commit().await?;
    Ok((event_id, missing))
}
