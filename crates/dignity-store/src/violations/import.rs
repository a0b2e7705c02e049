//! Imports of incident lists (CSV, XLSX — read by the caller) and KoboToolbox / ODK
//! submissions, through a column mapping. Every row is validated first (errors name the
//! line and the field); only a clean file is written, in one transaction.
//!
//! One row is one act: an event (rows sharing an `event_key` share an event), the act's
//! type and dates, its victim, and optionally a perpetrator and a source. Perpetrators and
//! sources with the same name in one file are one person; victims are one person per row
//! unless a `victim_key` column says otherwise.

use super::*;
use crate::now;
use serde::{Deserialize, Serialize};

use dignity_core::violations::import as rules;
pub use dignity_core::violations::import::TARGETS;

/// Which column feeds which field, and values to use when a column is absent or empty.
/// Written as TOML: `[columns] victim_name = "Name of victim"`, `[defaults] country = "SYR"`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Mapping {
    pub columns: HashMap<String, String>,
    pub defaults: HashMap<String, String>,
    /// For KoboToolbox/ODK JSON: the repeat group whose entries are acts.
    pub repeat: Option<String>,
}

impl Mapping {
    pub fn parse_toml(s: &str) -> std::result::Result<Mapping, String> {
        let m: Mapping = toml_lite(s)?;
        m.check()?;
        Ok(m)
    }

    pub fn check(&self) -> std::result::Result<(), String> {
        self.check_targets().map_err(|e| e.message())
    }

    /// The fields the mapping names must be import targets ([`TARGETS`]).
    pub fn check_targets(&self) -> std::result::Result<(), dignity_core::Invalid> {
        rules::check_targets(
            self.columns
                .keys()
                .chain(self.defaults.keys())
                .map(String::as_str),
        )
    }

    /// The mapping of Dignity's own KoboToolbox/ODK form: every field by its own name.
    pub fn kobo_default() -> Mapping {
        Mapping {
            columns: TARGETS
                .iter()
                .map(|t| (t.to_string(), t.to_string()))
                .collect(),
            defaults: HashMap::new(),
            repeat: Some("acts".into()),
        }
    }
}

/// A minimal reader of the mapping file: `[columns]` / `[defaults]` tables of
/// `key = "value"` lines and a top-level `repeat = "…"` (TOML subset; the CLI passes full
/// TOML through `toml` when it has it).
fn toml_lite(s: &str) -> std::result::Result<Mapping, String> {
    let mut m = Mapping::default();
    let mut section = String::new();
    for (n, line) in s.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if let Some(sec) = t.strip_prefix('[').and_then(|x| x.strip_suffix(']')) {
            section = sec.trim().to_string();
            continue;
        }
        let (k, v) = t
            .split_once('=')
            .ok_or_else(|| format!("mapping line {}: expected key = \"value\"", n + 1))?;
        let k = k.trim().trim_matches('"').to_string();
        let v = v.trim();
        let v = v
            .strip_prefix('"')
            .and_then(|x| x.strip_suffix('"'))
            .ok_or_else(|| format!("mapping line {}: the value must be in double quotes", n + 1))?
            .replace("\\\"", "\"");
        match section.as_str() {
            "columns" => {
                m.columns.insert(k, v);
            }
            "defaults" => {
                m.defaults.insert(k, v);
            }
            "" if k == "repeat" => m.repeat = Some(v),
            other => {
                return Err(format!(
                    "mapping line {}: unknown section [{other}] or key {k}",
                    n + 1
                ))
            }
        }
    }
    Ok(m)
}

/// One input row: its line number (1 = the first data row's line in the file) and values
/// by column name.
pub type Row = (usize, HashMap<String, String>);

/// A row error: line, field, message.
#[derive(Debug, Clone, Serialize)]
pub struct RowError {
    pub line: usize,
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}, {}: {}", self.line, self.field, self.message)
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub rows: usize,
    pub events: usize,
    pub acts: usize,
    pub persons: usize,
    pub errors: Vec<RowError>,
}

fn get<'a>(m: &'a Mapping, row: &'a HashMap<String, String>, target: &str) -> &'a str {
    if let Some(col) = m.columns.get(target) {
        if let Some(v) = row.get(col) {
            if !v.trim().is_empty() {
                return v.trim();
            }
        }
    }
    m.defaults.get(target).map(|s| s.trim()).unwrap_or("")
}

/// A coded value given as a code or as a label in any language.
fn coded(v: &Vocab, field: &str, value: &str) -> Result<Option<String>> {
    if value.is_empty() {
        return Ok(None);
    }
    match v.check(field, value) {
        Ok(c) => Ok(c),
        Err(e) => v.by_label(field, value).map(Some).ok_or(e),
    }
}

fn country(v: &Vocab, value: &str) -> Result<Option<String>> {
    if value.is_empty() {
        return Ok(None);
    }
    if let Ok(c) = v.check_country(&Some(value.to_string())) {
        return Ok(c);
    }
    let want = value.to_lowercase();
    v.countries
        .iter()
        .find(|(_, names)| names.iter().any(|n| n.to_lowercase() == want))
        .map(|(k, _)| Some(k.clone()))
        .ok_or_else(|| rules::not_a_country_or_name(value).into())
}

struct Parsed {
    event_key: String,
    event: EventInput,
    act: ActInput,
    victim_key: String,
    victim: PersonInput,
    perp: Option<(PersonInput, InvolvementInput)>,
    source: Option<(PersonInput, InformationInput)>,
}

fn parse_row(v: &Vocab, m: &Mapping, line: usize, row: &HashMap<String, String>) -> Result<Parsed> {
    if let Some(e) = row.get("__error") {
        return Err(rules::malformed_line(e).into());
    }
    let g = |t: &str| get(m, row, t);
    let named = |field: &str, r: Result<Option<String>>| {
        r.map_err(|e| match e {
            StoreError::Rejected(r) => rules::as_column(field.to_string(), r).into(),
            e => e,
        })
    };
    let conf = g("confidentiality").to_string();
    let lens: Vec<String> = g("lens")
        .split([',', ';'])
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let event = EventInput {
        title: if g("event_title").is_empty() {
            format!("Incident (line {line})")
        } else {
            g("event_title").into()
        },
        description: g("event_description").into(),
        start_date: g("event_start").into(),
        end_date: g("event_end").into(),
        country: named("country", country(v, g("country")))?,
        admin_area: g("admin_area").into(),
        place: g("place").into(),
        violation_status: named(
            "violation_status",
            coded(v, "violation_status", g("violation_status")),
        )?,
        lenses: lens,
        confidentiality: conf.clone(),
        ..Default::default()
    };
    validate_event(v, &event)?;
    let act_type = named("act_type", coded(v, "act_type", g("act_type")))?.unwrap_or_default();
    rules::victim_name(g("victim_name"))?;
    let act_start = if g("act_start").is_empty() {
        event.start_date.clone()
    } else {
        g("act_start").into()
    };
    let act = ActInput {
        event_id: 0,
        victim_id: Some(0),
        act_type,
        start_date: act_start,
        end_date: g("act_end").into(),
        methods: named("method", coded(v, "methods", g("method")))?
            .into_iter()
            .collect(),
        confidentiality: conf.clone(),
        ..Default::default()
    };
    validate_act(v, &act)?;
    let deceased = matches!(
        g("victim_deceased").to_lowercase().as_str(),
        "yes" | "y" | "true" | "1" | "oui" | "sí" | "si"
    );
    let victim = PersonInput {
        name: g("victim_name").into(),
        other_names: g("victim_other_names")
            .split(';')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        sex: named("victim_sex", coded(v, "sex", g("victim_sex")))?,
        birth_date: g("victim_birth_date").into(),
        age_group: g("victim_age_group").to_lowercase(),
        nationality: named("victim_nationality", country(v, g("victim_nationality")))?,
        occupation: named(
            "victim_occupation",
            coded(v, "occupation", g("victim_occupation")),
        )?,
        deceased,
        ..Default::default()
    };
    validate_person(v, &victim).map_err(|e| match e {
        StoreError::Rejected(r) => rules::as_column(format!("victim_{}", r.field), r).into(),
        e => e,
    })?;
    let perp = if g("perpetrator_name").is_empty() {
        None
    } else {
        let ptype = named(
            "perpetrator_type",
            coded(v, "perpetrator_type", g("perpetrator_type")),
        )?;
        let p = PersonInput {
            person_type: "organisation".into(),
            name: g("perpetrator_name").into(),
            confidentiality: "internal".into(),
            ..Default::default()
        };
        Some((
            p,
            InvolvementInput {
                perpetrator_id: 0,
                degree: named("degree", coded(v, "degree", g("degree")))?,
                perpetrator_type: ptype,
                latest_status: None,
            },
        ))
    };
    let source = if g("source_name").is_empty() {
        None
    } else {
        Some((
            PersonInput {
                name: g("source_name").into(),
                ..Default::default()
            },
            InformationInput {
                source_type: named("source_type", coded(v, "source_type", g("source_type")))?,
                reliability: named("reliability", coded(v, "reliability", g("reliability")))?,
                ..Default::default()
            },
        ))
    };
    Ok(Parsed {
        event_key: if g("event_key").is_empty() {
            format!("line:{line}")
        } else {
            g("event_key").into()
        },
        event,
        act,
        victim_key: g("victim_key").into(),
        victim,
        perp,
        source,
    })
}

/// Check every row; returns the errors (at most `max_errors`) and the number of rows.
pub fn validate_rows(
    v: &Vocab,
    m: &Mapping,
    rows: impl Iterator<Item = Row>,
    max_errors: usize,
) -> (usize, Vec<RowError>) {
    let mut n = 0;
    let mut errors = vec![];
    for (line, row) in rows {
        n += 1;
        if let Err(e) = parse_row(v, m, line, &row) {
            let (field, message) = match e {
                StoreError::Rejected(r) => (r.field.to_string(), r.message()),
                e => ("row".into(), e.to_string()),
            };
            errors.push(RowError {
                line,
                field,
                message,
            });
            if errors.len() >= max_errors {
                break;
            }
        }
    }
    (n, errors)
}

/// Import rows. `rows` is called twice: once to validate everything, once to write (so a
/// file of any length is never held in memory). Nothing is written unless every row is
/// valid. The import is one audit entry naming the ranges of ids it created.
pub async fn import_rows<I, F>(
    store: &Store,
    actor: &Actor,
    m: &Mapping,
    rows: F,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<ImportReport>
where
    I: Iterator<Item = Row>,
    F: Fn() -> std::result::Result<I, String>,
{
    m.check_targets()?;
    let vocab = Vocab::load_fresh(store).await?;
    let it = rows().map_err(rules::unreadable_file)?;
    let (n, errors) = validate_rows(&vocab, m, it, 100);
    if !errors.is_empty() {
        return Ok(ImportReport {
            rows: n,
            errors,
            ..Default::default()
        });
    }
    if n == 0 {
        return Err(rules::no_rows().into());
    }
    may_create(actor, Confidentiality::Internal)?;
    let mut report = ImportReport {
        rows: n,
        ..Default::default()
    };
    let mut tx = store.begin(actor).await?;
    let mut events: HashMap<String, i64> = HashMap::new();
    let mut victims: HashMap<String, i64> = HashMap::new();
    let mut perps: HashMap<String, i64> = HashMap::new();
    let mut sources: HashMap<String, i64> = HashMap::new();
    let (mut first, mut last) = ([i64::MAX; 3], [0i64; 3]);
    let mut mark = |k: usize, id: i64| {
        first[k] = first[k].min(id);
        last[k] = last[k].max(id);
    };
    let it = rows().map_err(rules::unreadable_file)?;
    for (i, (line, row)) in it.enumerate() {
        let p = parse_row(&vocab, m, line, &row).map_err(|e| rules::at_line(line, e))?;
        let event_id = match events.get(&p.event_key) {
            Some(id) => *id,
            None => {
                let v = validate_event(&vocab, &p.event)?;
                let id = insert_event(&mut tx, &v, &p.event).await?;
                mark(0, id);
                events.insert(p.event_key.clone(), id);
                report.events += 1;
                id
            }
        };
        let victim_id = match (p.victim_key.is_empty(), victims.get(&p.victim_key)) {
            (false, Some(id)) => *id,
            _ => {
                let v = validate_person(&vocab, &p.victim)?;
                let id = insert_person(&mut tx, &v).await?;
                mark(1, id);
                report.persons += 1;
                if !p.victim_key.is_empty() {
                    victims.insert(p.victim_key.clone(), id);
                }
                id
            }
        };
        let mut act = p.act;
        act.event_id = event_id;
        act.victim_id = Some(victim_id);
        if let Some((pp, inv)) = p.perp {
            let key = dignity_core::crypto::normalise(&pp.name);
            let pid = match perps.get(&key) {
                Some(id) => *id,
                None => {
                    let v = validate_person(&vocab, &pp)?;
                    let id = insert_person(&mut tx, &v).await?;
                    mark(1, id);
                    report.persons += 1;
                    perps.insert(key, id);
                    id
                }
            };
            act.perpetrators.push(InvolvementInput {
                perpetrator_id: pid,
                ..inv
            });
        }
        let va = validate_act(&vocab, &act)?;
        let lvl = va.level.unwrap_or(Confidentiality::Internal);
        let act_id = insert_act(&mut tx, &va, &act, lvl).await?;
        mark(2, act_id);
        if let Some(l) = lens_of_act(&va.act_type).filter(|_| !lvl.needs_list()) {
            add_lens(&mut tx, event_id, l).await?;
        }
        report.acts += 1;
        if let Some((sp, mut info)) = p.source {
            let key = dignity_core::crypto::normalise(&sp.name);
            let sid = match sources.get(&key) {
                Some(id) => *id,
                None => {
                    let v = validate_person(&vocab, &sp)?;
                    let id = insert_person(&mut tx, &v).await?;
                    mark(1, id);
                    report.persons += 1;
                    sources.insert(key, id);
                    id
                }
            };
            info.source_id = sid;
            info.event_id = Some(event_id);
            info.act_id = Some(act_id);
            sqlx::query(
                "INSERT INTO vio_information (source_id, event_id, act_id, source_type, reliability, info_date, created_by, created_at) \
                 VALUES ($1,$2,$3,$4,$5,'',$6,$7)",
            )
            .bind(sid)
            .bind(event_id)
            .bind(act_id)
            .bind(&info.source_type)
            .bind(&info.reliability)
            .bind(actor.user_id)
            .bind(now())
            .execute(tx.conn())
            .await?;
        }
        if (i + 1) % 10_000 == 0 {
            progress(i + 1);
        }
    }
    let range = |k: usize| {
        if last[k] == 0 {
            serde_json::Value::Null
        } else {
            serde_json::json!([first[k], last[k]])
        }
    };
    tx.audit(
        "import.incidents",
        EVENT,
        "import",
        None,
        None,
        serde_json::json!({ "rows": n, "events": range(0), "persons": range(1), "acts": range(2) }),
    );
    tx.commit().await?;
    progress(n);
    Ok(report)
}

/// Rows of a KoboToolbox/ODK JSON export (an array of submissions, or `{"results": […]}`).
/// Column names are reduced to their last path segment (`group/victim_name` →
/// `victim_name`); entries of the repeat group `repeat` become one row each, with the
/// submission's own fields; the submission's `_uuid` (or `_id`) is the event key.
pub fn kobo_json_rows(
    json: &serde_json::Value,
    repeat: Option<&str>,
) -> std::result::Result<Vec<Row>, String> {
    let subs = match json {
        serde_json::Value::Array(a) => a,
        serde_json::Value::Object(o) => o
            .get("results")
            .and_then(|r| r.as_array())
            .ok_or("expected an array of submissions or {\"results\": [...]}")?,
        _ => return Err("expected an array of submissions".into()),
    };
    let last = |k: &str| k.rsplit('/').next().unwrap_or(k).to_string();
    let scalar = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    let mut out = vec![];
    for (i, sub) in subs.iter().enumerate() {
        let o = sub
            .as_object()
            .ok_or(format!("submission {} is not an object", i + 1))?;
        let mut base: HashMap<String, String> = HashMap::new();
        let mut reps: Vec<&serde_json::Value> = vec![];
        for (k, v) in o {
            if let Some(s) = scalar(v) {
                base.insert(last(k), s);
            } else if let serde_json::Value::Array(a) = v {
                if repeat.is_none_or(|r| last(k) == r) {
                    reps.extend(a.iter());
                }
            }
        }
        let key = base
            .get("_uuid")
            .or(base.get("_id"))
            .cloned()
            .unwrap_or_else(|| format!("submission:{}", i + 1));
        base.entry("event_key".into()).or_insert(key);
        if reps.is_empty() {
            out.push((i + 1, base));
        } else {
            for r in reps {
                let mut row = base.clone();
                if let Some(ro) = r.as_object() {
                    for (k, v) in ro {
                        if let Some(s) = scalar(v) {
                            row.insert(last(k), s);
                        }
                    }
                }
                out.push((i + 1, row));
            }
        }
    }
    Ok(out)
}

/// Reduce KoboToolbox/ODK CSV headers (`group/field`, `group:field`) to the field name.
pub fn kobo_header(h: &str) -> String {
    h.rsplit(['/', ':']).next().unwrap_or(h).trim().to_string()
}
