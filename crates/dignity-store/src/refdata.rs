//! Loading the shipped reference data (countries, instruments, SDGs, HURIDOCS
//! vocabularies) into the database on first start, and again when a newer version ships.
//! Each dataset loads in one audited transaction: all of it or none of it.

use crate::obligations::facts;
use crate::reference::{loaded_version, mark};
use crate::{Result, Store, StoreError, WriteTx};
use dignity_core::refdata::{self, RefData};
use dignity_core::Actor;
use serde::Serialize;

/// What [`load_shipped`] did, dataset by dataset.
#[derive(Debug, Default, Serialize)]
pub struct LoadReport {
    pub loaded: Vec<(String, u32, usize)>,
}

/// Load every shipped dataset whose version is newer than the one in the database.
pub async fn load_shipped(store: &Store) -> Result<LoadReport> {
    let data: RefData = refdata::parse_shipped()
        .map_err(|e| StoreError::Internal(format!("shipped reference data: {e}")))?;
    let mut report = LoadReport::default();
    let v = |k: &str| data.manifest.version_of(k).unwrap_or(1);

    if loaded_version(store, "countries").await? < Some(v("countries")) {
        let mut tx = store.begin(&Actor::system()).await?;
        for c in &data.countries {
            sqlx::query(
                "INSERT INTO countries (iso3, iso2, numeric_code, name_en, name_fr, name_es, name_ar, name_ru, \
                 region_code, region_name, subregion_code, subregion_name, intermediate_region_code, \
                 intermediate_region_name, un_member, regional_group) \
                 VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16) \
                 ON CONFLICT (iso3) DO UPDATE SET iso2 = excluded.iso2, numeric_code = excluded.numeric_code, \
                 name_en = excluded.name_en, name_fr = excluded.name_fr, name_es = excluded.name_es, \
                 name_ar = excluded.name_ar, name_ru = excluded.name_ru, region_code = excluded.region_code, \
                 region_name = excluded.region_name, subregion_code = excluded.subregion_code, \
                 subregion_name = excluded.subregion_name, intermediate_region_code = excluded.intermediate_region_code, \
                 intermediate_region_name = excluded.intermediate_region_name, un_member = excluded.un_member, \
                 regional_group = excluded.regional_group",
            )
            .bind(&c.iso3)
            .bind(&c.iso2)
            .bind(&c.numeric)
            .bind(&c.name_en)
            .bind(&c.name_fr)
            .bind(&c.name_es)
            .bind(&c.name_ar)
            .bind(&c.name_ru)
            .bind(c.region_code.clone().unwrap_or_default())
            .bind(c.region_name.clone().unwrap_or_default())
            .bind(c.subregion_code.clone().unwrap_or_default())
            .bind(c.subregion_name.clone().unwrap_or_default())
            .bind(c.intermediate_region_code.clone().unwrap_or_default())
            .bind(c.intermediate_region_name.clone().unwrap_or_default())
            .bind(c.un_member as i64)
            .bind(c.un_regional_group.map(|g| g.code()).unwrap_or(""))
            .execute(tx.conn())
            .await?;
        }
        mark(&mut tx, "countries", v("countries"), data.countries.len()).await?;
        tx.commit().await?;
        report
            .loaded
            .push(("countries".into(), v("countries"), data.countries.len()));
    }

    if loaded_version(store, "instruments").await? < Some(v("instruments")) {
        let mut tx = store.begin(&Actor::system()).await?;
        for i in &data.instruments {
            let details = serde_json::to_string(i).expect("instrument serialises");
            sqlx::query(
                "INSERT INTO instruments (code, system, parent_code, short_name, full_name_en, full_name_fr, \
                 adopted, entry_into_force, body_code, body_name, details) \
                 VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) \
                 ON CONFLICT (code) DO UPDATE SET system = excluded.system, parent_code = excluded.parent_code, \
                 short_name = excluded.short_name, full_name_en = excluded.full_name_en, \
                 full_name_fr = excluded.full_name_fr, adopted = excluded.adopted, \
                 entry_into_force = excluded.entry_into_force, body_code = excluded.body_code, \
                 body_name = excluded.body_name, details = excluded.details",
            )
            .bind(&i.code)
            .bind(serde_json::to_value(i.system).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default())
            .bind(&i.parent)
            .bind(&i.short_name)
            .bind(&i.name_en)
            .bind(i.name_fr.clone().unwrap_or_default())
            .bind(i.adopted.to_string())
            .bind(i.entry_into_force.to_string())
            .bind(&i.monitoring_body.code)
            .bind(&i.monitoring_body.name)
            .bind(details)
            .execute(tx.conn())
            .await?;
        }
        mark(
            &mut tx,
            "instruments",
            v("instruments"),
            data.instruments.len(),
        )
        .await?;
        tx.commit().await?;
        report.loaded.push((
            "instruments".into(),
            v("instruments"),
            data.instruments.len(),
        ));
    }

    let sdg_version = v("sdg_goals").max(v("sdg_targets"));
    if loaded_version(store, "sdg").await? < Some(sdg_version) {
        let mut tx = store.begin(&Actor::system()).await?;
        for g in &data.sdg_goals {
            sqlx::query(
                "INSERT INTO sdg_goals (number, title_en, title_fr, title_es, title_ar, title_ru) VALUES ($1,$2,$3,$4,$5,$6) \
                 ON CONFLICT (number) DO UPDATE SET title_en = excluded.title_en, title_fr = excluded.title_fr, \
                 title_es = excluded.title_es, title_ar = excluded.title_ar, title_ru = excluded.title_ru",
            )
            .bind(g.goal as i64)
            .bind(&g.title.en)
            .bind(&g.title.fr)
            .bind(&g.title.es)
            .bind(&g.title.ar)
            .bind(&g.title.ru)
            .execute(tx.conn())
            .await?;
        }
        for t in &data.sdg_targets {
            sqlx::query(
                "INSERT INTO sdg_targets (code, goal, title_en, title_fr, title_es, title_ar, title_ru) VALUES ($1,$2,$3,$4,$5,$6,$7) \
                 ON CONFLICT (code) DO UPDATE SET goal = excluded.goal, title_en = excluded.title_en, title_fr = excluded.title_fr, \
                 title_es = excluded.title_es, title_ar = excluded.title_ar, title_ru = excluded.title_ru",
            )
            .bind(&t.code)
            .bind(t.goal as i64)
            .bind(&t.title.en)
            .bind(&t.title.fr)
            .bind(&t.title.es)
            .bind(&t.title.ar)
            .bind(&t.title.ru)
            .execute(tx.conn())
            .await?;
        }
        let n = data.sdg_goals.len() + data.sdg_targets.len();
        mark(&mut tx, "sdg", sdg_version, n).await?;
        tx.commit().await?;
        report.loaded.push(("sdg".into(), sdg_version, n));
    }

    if loaded_version(store, "huridocs").await? < Some(v("huridocs_thesauri")) {
        let mut tx = store.begin(&Actor::system()).await?;
        let mut lists = std::collections::BTreeMap::new();
        for t in &data.thesauri {
            let name = t
                .list_name
                .clone()
                .unwrap_or_else(|| format!("list {}", t.list_number));
            lists.entry(t.list_number).or_insert(name);
        }
        for (n, name) in &lists {
            sqlx::query(
                "INSERT INTO vocabularies (list_number, name, source) VALUES ($1, $2, $3) \
                 ON CONFLICT (list_number) DO UPDATE SET name = excluded.name, source = excluded.source",
            )
            .bind(*n as i64)
            .bind(name)
            .bind(refdata::list_source(*n))
            .execute(tx.conn())
            .await?;
        }
        // The placeholder lists an earlier version shipped (not HURIDOCS content, used by no
        // coded field) go, with their terms; the audit entry counts them.
        for n in refdata::PLACEHOLDER_LISTS {
            let terms = sqlx::query("DELETE FROM vocab_terms WHERE list_number = $1")
                .bind(n as i64)
                .execute(tx.conn())
                .await?
                .rows_affected();
            let lists = sqlx::query("DELETE FROM vocabularies WHERE list_number = $1")
                .bind(n as i64)
                .execute(tx.conn())
                .await?
                .rows_affected();
            if lists + terms > 0 {
                tx.audit(
                    "refdata.remove_list",
                    "vocabulary",
                    &n.to_string(),
                    None,
                    None,
                    serde_json::json!({ "list_number": n, "terms": terms, "reason": "placeholder list of the OpenEvSys copy, not HURIDOCS content" }),
                );
            }
        }
        // Terms an organisation edited keep their labels: only shipped columns are refreshed
        // for terms that still carry the shipped English label.
        for t in &data.thesauri {
            sqlx::query(
                "INSERT INTO vocab_terms (list_number, vocab_number, huri_code, parent_vocab_number, level, sort_order, \
                 label_en, label_fr, label_es, label_ar, label_ru) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,'','') \
                 ON CONFLICT (vocab_number) DO NOTHING",
            )
            .bind(t.list_number as i64)
            .bind(&t.vocab_number)
            .bind(&t.huri_code)
            .bind(&t.parent_vocab_number)
            .bind(t.level as i64)
            .bind(t.order as i64)
            .bind(&t.term_en)
            .bind(&t.term_fr)
            .bind(&t.term_es)
            .execute(tx.conn())
            .await?;
        }
        mark(
            &mut tx,
            "huridocs",
            v("huridocs_thesauri"),
            data.thesauri.len(),
        )
        .await?;
        tx.commit().await?;
        report.loaded.push((
            "huridocs".into(),
            v("huridocs_thesauri"),
            data.thesauri.len(),
        ));
    }
    if loaded_version(store, "ratifications").await? < Some(v("ratifications")) {
        let mut tx = store.begin(&Actor::system()).await?;
        let n = load_ratifications(
            &mut tx,
            &data.ratifications,
            &format!("shipped ratifications v{}", v("ratifications")),
        )
        .await?;
        mark(&mut tx, "ratifications", v("ratifications"), n).await?;
        tx.commit().await?;
        report
            .loaded
            .push(("ratifications".into(), v("ratifications"), n));
    }
    crate::obligations::coe::load_shipped(store, &data, &mut report.loaded).await?;
    // The special procedures' mandates (one audited transaction).
    if loaded_version(store, "sp_mandates").await? < Some(v("sp_mandates")) {
        let mut tx = store.begin(&Actor::system()).await?;
        let n = crate::obligations::reports::write_shipped_mandates(&mut tx, &data).await?;
        mark(&mut tx, "sp_mandates", v("sp_mandates"), n).await?;
        tx.commit().await?;
        report
            .loaded
            .push(("sp_mandates".into(), v("sp_mandates"), n));
    }
    Ok(report)
}

/// Load dated ratification facts (see [`crate::obligations::facts`]) in the caller's
/// transaction; returns the number of rows written.
async fn load_ratifications(
    tx: &mut WriteTx,
    facts: &[refdata::DatedRatification],
    origin: &str,
) -> Result<usize> {
    let plan = facts::plan(tx.conn(), facts).await?;
    facts::apply(tx, &plan, origin).await
}

/// What loading a newer ratifications snapshot (`dignity refdata update FILE`) would
/// change in the database now. Writes nothing.
pub async fn plan_ratifications_update(
    store: &Store,
    facts: &[refdata::DatedRatification],
) -> Result<facts::FactPlan> {
    let mut conn = store.pool().acquire().await?;
    facts::plan(&mut conn, facts).await
}

/// Apply a ratifications snapshot that an administrator accepted after seeing `shown`
/// (from [`plan_ratifications_update`]), in one audited transaction (`refdata.update`),
/// keeping each previous value in the history with `origin` (the file's checksum). When
/// the database changed since the plan was shown, nothing is written.
pub async fn apply_ratifications_update(
    store: &Store,
    actor: &Actor,
    facts: &[refdata::DatedRatification],
    shown: &facts::FactPlan,
    origin: &str,
) -> Result<usize> {
    let mut tx = store.begin(actor).await?;
    let plan = facts::plan(tx.conn(), facts).await?;
    if plan.facts != shown.facts {
        tx.rollback().await?;
        return Err(StoreError::Conflict(
            "the ratifications changed since the update was shown; nothing was written".into(),
        ));
    }
    let n = facts::apply(&mut tx, &plan, origin).await?;
    tx.audit(
        "refdata.update",
        "refdata",
        "ratifications",
        None,
        None,
        serde_json::json!({
            "dataset": "ratifications",
            "origin": origin,
            "rows": n,
            "changed": plan.changed().count(),
            "kept_office": plan.kept_office,
            "kept_newer": plan.kept_newer,
        }),
    );
    tx.commit().await?;
    Ok(n)
}
