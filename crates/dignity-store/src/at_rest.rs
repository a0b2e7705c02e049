//! What the database keeps readable at rest: one registry that classifies every column of
//! every table.
//!
//! - [`Class::Encrypted`]: stored as an `enc:v2:` value (XChaCha20-Poly1305 under the data
//!   key, bound to `table.column#row`, see `dignity_core::crypto`).
//! - [`Class::Keyed`]: a keyed token (HMAC under the index key: blind indexes, keyed
//!   content hashes): reveals equality only, and only to whoever holds the key file.
//! - [`Class::Clear`]: readable without the key, for the reason given (ids and
//!   references, system-set times, vocabulary codes, access facts, shipped reference
//!   data, the audit chain).
//! - [`Class::Pending`]: should be encrypted (typed by a user, or a quasi-identifier) but
//!   is still stored in clear; listed in `docs/security.md` as what a stolen copy shows.
//!   No column is pending any more (a test keeps it so: a new column cannot be parked
//!   here silently).
//!
//! A test reads every table and column from the database after the migrations (both
//! backends) and fails when one is not registered here, or registered but gone: a new
//! column cannot be added without deciding how it is kept.

/// How a column is kept at rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Encrypted,
    Keyed,
    Clear(&'static str),
    Pending,
}

use Class::{Encrypted as E, Keyed as K};

const ID: Class = Class::Clear("row id or reference to another row");
const TIME: Class = Class::Clear("time or date set by the system");
const CODE: Class = Class::Clear("vocabulary code, status or other value from a fixed list");
const ACCESS: Class = Class::Clear("confidentiality level, publication flag or access list");
const NUM: Class = Class::Clear("flag, count, sequence number or amount set by the system");
const REF: Class = Class::Clear("shipped reference data (public UN sources)");
const HASH: Class = Class::Clear("hash of a secret or of content (not reversible)");
const AUDIT: Class = Class::Clear(
    "audit chain: actions, record ids and hashes (its details hold no names by design)",
);
const STAFF: Class =
    Class::Clear("staff account name or label, needed to sign in or to attribute work");
const PUBLIC: Class = Class::Clear("published on purpose on the public portal");
const STAT: Class = Class::Clear(
    "vocabulary code counted in statistics, facets and dashboards (the SQL groups by it)",
);
const DERIVED: Class = Class::Clear(
    "derived from reference data or computed statistics (linkage explanations: field names, comparison levels and weights, no values)",
);
/// The clear sort key of a date a user typed, truncated to its month.
pub const MONTH: Class = Class::Clear(
    "month of a user-typed date, kept for sorting and statistics; the day is encrypted",
);

type Cols = &'static [(Class, &'static str)];

/// Every table: its columns (space-separated) by class.
pub const REGISTRY: &[(&str, Cols)] = &[
    // ---- foundation ----
    ("api_tokens", &[(ID, "id user_id"), (STAFF, "name"), (HASH, "token_hash"), (TIME, "created_at last_used_at"), (NUM, "revoked")]),
    ("audit_head", &[(ID, "id"), (AUDIT, "seq hash"), (TIME, "touched_at")]),
    ("audit_log", &[(AUDIT, "seq actor_id actor_name action record_type record_id before_hash after_hash details prev_hash hash"), (TIME, "at")]),
    ("countries", &[(REF, "iso3 iso2 numeric_code name_en name_fr name_es name_ar name_ru region_code region_name subregion_code subregion_name intermediate_region_code intermediate_region_name un_member regional_group")]),
    ("institutions", &[(ID, "id"), (E, "name"), (CODE, "kind"), (REF, "iso3"), (TIME, "created_at")]),
    ("instruments", &[(REF, "code system parent_code short_name full_name_en full_name_fr adopted entry_into_force body_code body_name details")]),
    ("login_failures", &[(K, "name_key"), (HASH, "client"), (NUM, "failures"), (TIME, "locked_until updated_at")]),
    ("record_acl", &[(ACCESS, "record_type record_id principal_type principal_id")]),
    ("recovery_codes", &[(ID, "id user_id"), (HASH, "code_hash"), (TIME, "used_at")]),
    ("refdata_versions", &[(REF, "name version"), (TIME, "loaded_at")]),
    ("sessions", &[(HASH, "id_hash"), (ID, "user_id"), (CODE, "stage"), (TIME, "created_at expires_at last_seen_at")]),
    ("settings", &[(ID, "key"), (Class::Clear("system configuration: flags, size limits and country codes an administrator picks from fixed lists (no free text; each change is in the audit details)"), "value")]),
    ("key_rotations", &[(ID, "id started_by"), (Class::Clear("data key id (a label such as k2, not key material)"), "target_key"), (CODE, "phase"), (NUM, "fields_total fields_done fields_failed files_total files_done files_failed index_total index_done index_deferred"), (TIME, "started_at finished_at")]),
    ("setup_tokens", &[(HASH, "token_hash"), (TIME, "created_at expires_at"), (NUM, "used")]),
    ("team_members", &[(ID, "team_id user_id")]),
    ("teams", &[(ID, "id"), (STAFF, "name"), (TIME, "created_at")]),
    ("users", &[(ID, "id"), (STAFF, "username role"), (E, "display_name"), (HASH, "password_hash"), (NUM, "disabled totp_enabled failed_logins totp_last_step"), (E, "totp_secret"), (TIME, "locked_until created_at updated_at")]),
    ("vocab_terms", &[(ID, "id"), (REF, "list_number vocab_number huri_code parent_vocab_number level sort_order label_en label_fr label_es label_ar label_ru"), (NUM, "active")]),
    ("vocabularies", &[(REF, "list_number name source")]),
    ("sdg_goals", &[(REF, "number title_en title_fr title_es title_ar title_ru")]),
    ("sdg_targets", &[(REF, "code goal title_en title_fr title_es title_ar title_ru")]),
    // ---- obligations (UN recommendations, treaty reporting, special procedures) ----
    ("ratifications", &[(ID, "id"), (REF, "iso3 instrument status signature consent consent_kind reservations declarations complaints_declaration inquiry_accepted source fact_source as_of reservations_listed"), (E, "note"), (TIME, "updated_at")]),
    ("ratification_history", &[(ID, "id changed_by"), (STAFF, "actor_name"), (REF, "iso3 instrument field old_value new_value"), (Class::Clear("what changed a ratification fact: a shipped dataset and version, a snapshot file's checksum, or the office's form or import"), "origin"), (TIME, "changed_at")]),
    ("rec_actions", &[(ID, "id rec_id cluster_id institution_id"), (E, "description indicator target_date"), (NUM, "done"), (TIME, "created_at")]),
    ("rec_assessments", &[(ID, "id rec_id cluster_id created_by"), (CODE, "status"), (E, "assessed_on narrative evidence"), (ACCESS, "confidentiality published"), (TIME, "created_at")]),
    ("rec_assignments", &[(ID, "id rec_id cluster_id institution_id"), (E, "focal_point"), (TIME, "created_at")]),
    ("rec_cluster_members", &[(ID, "cluster_id rec_id")]),
    ("rec_clusters", &[(ID, "id"), (REF, "iso3"), (E, "name basis_value"), (CODE, "basis"), (TIME, "created_at")]),
    ("rec_notes", &[(ID, "id rec_id cluster_id created_by"), (E, "body"), (ACCESS, "confidentiality published"), (TIME, "created_at")]),
    ("recommendation_tags", &[(ID, "rec_id"), (CODE, "kind value")]),
    ("recommendations", &[(ID, "id"), (REF, "rec_key mechanism body upr_cycle session document_symbol paragraph rec_date iso3 recommending_iso3 kind text position upr_action themes affected sdgs source content_hash status_public"), (CODE, "status_internal"), (TIME, "created_at updated_at")]),
    ("sp_communication_interventions", &[(ID, "communication_id intervention_id"), (TIME, "linked_at")]),
    ("sp_communication_mandates", &[(ID, "communication_id mandate_id")]),
    ("sp_communications", &[(ID, "id mandate_id"), (REF, "iso3 reference sent reply link"), (CODE, "comm_type reply_status"), (TIME, "updated_at")]),
    ("sp_mandate_holders", &[(ID, "id mandate_id"), (REF, "name start_date end_date")]),
    ("sp_mandates", &[(ID, "id"), (REF, "code name kind iso3 established active resolution source source_url as_of")]),
    ("sp_standing_invitations", &[(REF, "iso3 since source"), (E, "note")]),
    ("sp_visits", &[(ID, "id mandate_id"), (REF, "iso3 status requested accepted visit_start visit_end report_symbol"), (E, "note"), (TIME, "updated_at")]),
    ("treaty_reports", &[(ID, "id"), (REF, "iso3 instrument number due_date submitted symbol review_session co_symbol number_to due_set_in"), (CODE, "loipr"), (E, "note"), (TIME, "updated_at")]),
    // ---- violations ----
    ("vio_acts", &[(ID, "id event_id victim_id created_by"), (CODE, "act_type country attribution victim_status detention_type whereabouts legal_counsel court_type autopsy death_certificate statements_signed medical_attention intent compensation"), (E, "start_date end_date admin_area property_destroyed property_value"), (MONTH, "start_sort end_sort"), (E, "place coordinates consequences case_description"), (ACCESS, "confidentiality published"), (TIME, "created_at updated_at")]),
    ("vio_custody", &[(ID, "id evidence_id actor_id"), (NUM, "seq"), (TIME, "at"), (STAFF, "actor_name"), (CODE, "action"), (E, "counterpart method details"), (HASH, "prev_hash hash")]),
    ("vio_death_penalty", &[(ID, "id event_id person_id"), (CODE, "status"), (E, "charge sentence_date execution_date commutation_date"), (TIME, "updated_at")]),
    ("vio_drafts", &[(ID, "id user_id"), (CODE, "kind"), (E, "payload"), (TIME, "updated_at")]),
    ("vio_event_lenses", &[(ID, "event_id"), (CODE, "lens")]),
    ("vio_event_links", &[(ID, "id from_event to_event"), (CODE, "link_type"), (TIME, "created_at")]),
    ("vio_events", &[(ID, "id created_by"), (E, "title start_date end_date admin_area"), (K, "title_words"), (MONTH, "start_sort end_sort"), (E, "description place coordinates"), (CODE, "country violation_status monitoring_status"), (ACCESS, "confidentiality published"), (TIME, "created_at updated_at")]),
    ("vio_evidence", &[(ID, "id original_id event_id act_id person_id created_by"), (CODE, "derivation media_type"), (E, "title acquired_at acquired_how description filename metadata acquired_from"), (NUM, "size_bytes"), (HASH, "sha256 sha512"), (ACCESS, "confidentiality published"), (TIME, "created_at")]),
    ("vio_information", &[(ID, "id source_id event_id act_id person_id created_by"), (CODE, "connection source_type reliability language"), (E, "info_date remarks"), (TIME, "created_at")]),
    ("vio_intervention_links", &[(ID, "intervention_id record_type record_id")]),
    ("vio_interventions", &[(ID, "id intervening_party_id assigned_user assigned_team created_by"), (CODE, "int_type response_type status priority impact"), (E, "addressees int_date response_date reply_due follow_up_date description response_text"), (ACCESS, "confidentiality published"), (TIME, "created_at updated_at")]),
    ("vio_involvements", &[(ID, "id act_id perpetrator_id"), (CODE, "degree perpetrator_type latest_status"), (TIME, "created_at")]),
    ("vio_person_links", &[(ID, "id person_a person_b"), (CODE, "link_type"), (E, "start_date end_date"), (TIME, "created_at")]),
    ("vio_person_names", &[(ID, "person_id"), (K, "bidx")]),
    ("vio_persons", &[(ID, "id created_by"), (CODE, "person_type counting_unit"), (STAT, "sex age_group"), (E, "name other_names contact address notes gender birth_date nationality ethnicity religion occupation death_date"), (K, "name_bidx"), (NUM, "group_size deceased"), (ACCESS, "confidentiality published"), (TIME, "created_at updated_at")]),
    ("vio_terms", &[(ID, "record_type record_id"), (CODE, "field code")]),
    // ---- protection ----
    ("pro_attacks", &[(ID, "id defender_id act_id created_by"), (CODE, "attack_type victim_status perpetrator_category motive"), (NUM, "un_reprisal"), (TIME, "created_at")]),
    ("pro_checkins", &[(ID, "id defender_id measure_id created_by"), (E, "due_on done_on notes"), (TIME, "created_at")]),
    ("pro_consent_log", &[(ID, "id report_id by_user"), (NUM, "consent_commission consent_organisations withdrawn_after_sharing"), (STAFF, "by_name"), (TIME, "at")]),
    ("pro_defender_areas", &[(ID, "defender_id"), (CODE, "code")]),
    ("pro_defenders", &[(ID, "id person_id contact_user created_by"), (E, "organisation contact whereabouts region"), (CODE, "country sdg_status"), (NUM, "memorial_consent"), (ACCESS, "confidentiality published"), (TIME, "created_at updated_at")]),
    ("pro_family_links", &[(ID, "id missing_id relative_id created_by"), (HASH, "token_hash"), (TIME, "created_at expires_on revoked_at last_used_at")]),
    ("pro_match_keys", &[(ID, "id record_id"), (K, "key")]),
    ("pro_match_state", &[(ID, "id"), (K, "token"), (TIME, "changed_at")]),
    ("pro_measure_history", &[(ID, "id measure_id by_user"), (CODE, "from_status to_status"), (E, "on_date"), (STAFF, "by_name"), (TIME, "at")]),
    ("pro_measures", &[(ID, "id defender_id intervention_id created_by"), (CODE, "measure_type status currency cost_currency"), (E, "requested_on approved_on delivered_on closed_on amount cost period_start period_end details outcome"), (TIME, "created_at updated_at")]),
    ("pro_missing", &[(ID, "id person_id period_id created_by"), (E, "last_seen_date region community status_on last_seen_place circumstances description"), (MONTH, "last_seen_sort"), (K, "region_key community_key"), (CODE, "status"), (ACCESS, "confidentiality published"), (TIME, "created_at updated_at")]),
    ("pro_periods", &[(ID, "id"), (E, "name start_date end_date"), (TIME, "created_at")]),
    ("pro_relatives", &[(ID, "id missing_id created_by"), (E, "name contact"), (CODE, "relationship"), (TIME, "created_at")]),
    ("pro_reports", &[(ID, "id missing_id relative_id created_by"), (E, "reported_on"), (NUM, "consent_commission consent_organisations"), (TIME, "consent_updated_at created_at")]),
    ("pro_risk", &[(ID, "id defender_id assessor_id"), (CODE, "level factors"), (E, "notes assessed_on next_review"), (STAFF, "assessor_name"), (TIME, "created_at")]),
    ("pro_shares", &[(ID, "id missing_id by_user"), (CODE, "recipient_kind channel fields"), (E, "recipient"), (STAFF, "by_name"), (TIME, "at")]),
    ("pro_source_imports", &[(ID, "id source_id by_user"), (E, "filename mapping"), (NUM, "rows_new rows_changed rows_unchanged"), (TIME, "at")]),
    ("pro_source_records", &[(ID, "id source_id import_id missing_id linked_by superseded_by"), (NUM, "line current keyed"), (E, "external_id birth_date sex last_seen_date raw name place"), (K, "content_hash external_id_key"), (TIME, "linked_at created_at")]),
    ("pro_sources", &[(ID, "id created_by"), (E, "name"), (CODE, "kind"), (TIME, "created_at")]),
    ("pro_status_history", &[(ID, "id missing_id evidence_id by_user"), (NUM, "seq"), (CODE, "from_status to_status"), (E, "changed_on reference note"), (STAFF, "by_name"), (TIME, "at")]),
    ("pro_terms", &[(ID, "id"), (REF, "kind code label_en label_fr label_es label_ar label_ru act_type category un_reprisal sort_order"), (NUM, "active")]),
    // ---- search ----
    ("saved_searches", &[(ID, "id user_id"), (E, "name query"), (TIME, "created_at seen_at"), (NUM, "seen_seq")]),
    // ---- portal ----
    ("portal_countries", &[(REF, "iso3"), (ID, "published_by"), (TIME, "published_at")]),
    ("portal_dashboards", &[(ID, "id published_by"), (PUBLIC, "slug title filter"), (TIME, "published_at")]),
    ("publications", &[(ID, "id published_by"), (CODE, "kind lang"), (PUBLIC, "slug title html"), (TIME, "published_at")]),
    // ---- statistics ----
    ("mse_datasets", &[(ID, "id created_by"), (E, "name description stratum_column csv lists"), (NUM, "observed"), (ACCESS, "confidentiality published"), (TIME, "created_at updated_at")]),
    ("stat_linkage_pairs", &[(ID, "id run_id left_id right_id reviewed_by"), (CODE, "left_kind right_kind status outcome"), (DERIVED, "probability match_weight explanation"), (TIME, "reviewed_at")]),
    ("stat_linkage_runs", &[(ID, "id started_by"), (CODE, "scope"), (DERIVED, "settings model diagnostics"), (NUM, "records candidates pairs"), (TIME, "started_at finished_at")]),
    ("stat_person_merges", &[(ID, "id pair_id person_id merged_id merged_by undone_by"), (TIME, "merged_at undone_at")]),
];

/// The class of `table.column`, if registered.
pub fn class_of(table: &str, column: &str) -> Option<Class> {
    REGISTRY
        .iter()
        .find(|(t, _)| *t == table)?
        .1
        .iter()
        .find(|(_, cols)| cols.split_whitespace().any(|c| c == column))
        .map(|(class, _)| *class)
}

/// Every registered column: (table, column, class).
pub fn columns() -> impl Iterator<Item = (&'static str, &'static str, Class)> {
    REGISTRY.iter().flat_map(|(t, groups)| {
        groups
            .iter()
            .flat_map(move |(class, cols)| cols.split_whitespace().map(move |c| (*t, c, *class)))
    })
}

/// The columns of one class, as `table.column`.
pub fn of_class(pred: impl Fn(Class) -> bool) -> Vec<String> {
    columns()
        .filter(|(_, _, c)| pred(*c))
        .map(|(t, c, _)| format!("{t}.{c}"))
        .collect()
}

/// Compare the registry with the tables and columns of `store`'s database: what is in
/// the database but not registered, what is registered twice, and what is registered but
/// not in the database. All empty when the registry is complete.
pub async fn check(store: &crate::Store) -> crate::Result<RegistryCheck> {
    let mut out = RegistryCheck::default();
    let mut seen = std::collections::BTreeMap::<(String, String), usize>::new();
    for (t, c, _) in columns() {
        *seen.entry((t.to_string(), c.to_string())).or_default() += 1;
    }
    let mut present = std::collections::BTreeSet::new();
    for t in store.table_names().await? {
        for (c, _) in store.table_columns(&t).await? {
            if !seen.contains_key(&(t.clone(), c.clone())) {
                out.unregistered.push(format!("{t}.{c}"));
            }
            present.insert((t.clone(), c));
        }
    }
    for ((t, c), n) in seen {
        if n > 1 {
            out.duplicated.push(format!("{t}.{c}"));
        }
        if !present.contains(&(t.clone(), c.clone())) {
            out.stale.push(format!("{t}.{c}"));
        }
    }
    Ok(out)
}

/// See [`check`].
#[derive(Debug, Default, PartialEq, Eq)]
pub struct RegistryCheck {
    pub unregistered: Vec<String>,
    pub duplicated: Vec<String>,
    pub stale: Vec<String>,
}

/// What [`encrypt_clear_fields`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct EncryptClearReport {
    /// Values encrypted, by `table.column`.
    pub encrypted: Vec<(String, u64)>,
}

impl EncryptClearReport {
    pub fn total(&self) -> u64 {
        self.encrypted.iter().map(|(_, n)| n).sum()
    }
}

const CLEAR_BATCH: i64 = 300;

/// Encrypt the values still in clear in every column the registry marks encrypted (a
/// database written by a version that kept them in clear), bound to their rows. Runs in
/// audited write transactions of a few hundred values (the audit entries name the
/// column and a count, never a value); each update replaces the exact clear value, so a
/// value changed meanwhile is left to the next run. Resumable: a crash leaves some values
/// encrypted and the rest in clear, and the next run (every `dignity serve` start) goes
/// on. Readers of these columns expect ciphertext: run before serving.
pub async fn encrypt_clear_fields(store: &crate::Store) -> crate::Result<EncryptClearReport> {
    use crate::dump::q;
    use dignity_core::crypto::{PREFIX, PREFIX_V1};
    use dignity_core::Actor;
    use sqlx::Row;
    let mut report = EncryptClearReport::default();
    let specs = crate::dump::table_specs(store).await?;
    for (table, column, class) in columns() {
        if class != Class::Encrypted {
            continue;
        }
        let Some(spec) = specs.iter().find(|s| s.name == table) else {
            continue;
        };
        if spec.primary_key.is_empty() {
            return Err(crate::StoreError::Internal(format!(
                "{table}.{column} is registered encrypted but {table} has no primary key"
            )));
        }
        let field = format!("{table}.{column}");
        let (t, c) = (q(table), q(column));
        let key_sql = spec
            .primary_key
            .iter()
            .map(|k| format!("CAST({} AS TEXT)", q(k)))
            .collect::<Vec<_>>()
            .join(" || ',' || ");
        // Values under a person's own key (`enc:p1:`, see `crate::shred`) are not clear.
        let clear = format!(
            "{c} IS NOT NULL AND {c} <> '' AND substr({c}, 1, {n}) <> '{PREFIX}' AND substr({c}, 1, {n}) <> '{PREFIX_V1}' AND substr({c}, 1, {n}) <> '{}'",
            dignity_core::crypto::PREFIX_PERSON,
            n = PREFIX.len()
        );
        let select = format!("SELECT {key_sql}, {c} FROM {t} WHERE {clear} LIMIT {CLEAR_BATCH}");
        // A table keyed by `id` is updated through its primary key index.
        let by_id = spec.primary_key == ["id"];
        let update = if by_id {
            format!("UPDATE {t} SET {c} = $1 WHERE id = $2 AND {c} = $3")
        } else {
            format!("UPDATE {t} SET {c} = $1 WHERE {key_sql} = $2 AND {c} = $3")
        };
        let mut done = 0u64;
        loop {
            let mut tx = store.begin(&Actor::system()).await?;
            let rows: Vec<(String, String)> = sqlx::query(&select)
                .fetch_all(tx.conn())
                .await?
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect();
            if rows.is_empty() {
                tx.rollback().await?;
                break;
            }
            let keys = store.keys();
            let mut n = 0u64;
            for (row, value) in &rows {
                let mut u = sqlx::query(&update).bind(keys.encrypt(&field, row, value));
                u = if by_id {
                    u.bind(row.parse::<i64>().map_err(|_| {
                        crate::StoreError::Internal(format!(
                            "{table}: id {row:?} is not an integer"
                        ))
                    })?)
                } else {
                    u.bind(row)
                };
                n += u.bind(value).execute(tx.conn()).await?.rows_affected();
            }
            if n == 0 {
                // Every value of the batch changed meanwhile: the next run goes on.
                tx.rollback().await?;
                break;
            }
            tx.audit(
                "fields.encrypt_clear",
                "field",
                &field,
                None,
                None,
                serde_json::json!({ "values": n }),
            );
            tx.commit().await?;
            done += n;
        }
        if done > 0 {
            tracing::info!(column = %field, values = done, "encrypted values stored in clear");
            report.encrypted.push((field, done));
        }
    }
    Ok(report)
}
