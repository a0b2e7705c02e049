//! Capture histories for multiple systems estimation, from the linked source records.

use super::*;

/// Capture histories built from the linked source records: one consolidated person per
/// missing-person case (with every record linked to it) or per unlinked record, and the
/// lists (sources) that documented them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaptureHistories {
    /// Source names, one column each.
    pub lists: Vec<String>,
    /// The stratum column's name, if stratified.
    pub stratum: Option<String>,
    /// (on which lists, stratum value, number of persons), sorted.
    pub rows: Vec<(Vec<bool>, String, i64)>,
}

impl CaptureHistories {
    /// Persons documented on at least one list.
    pub fn observed(&self) -> i64 {
        self.rows.iter().map(|r| r.2).sum()
    }
    /// The table as CSV: one 0/1 column per list, the stratum, `count`.
    pub fn to_csv(&self) -> String {
        let mut w = dignity_core::edge::CsvWriter::from_writer(vec![]);
        let mut head: Vec<String> = self.lists.clone();
        if let Some(s) = &self.stratum {
            head.push(s.clone());
        }
        head.push("count".into());
        let _ = w.write_record(&head);
        for (on, s, n) in &self.rows {
            let mut rec: Vec<String> = on
                .iter()
                .map(|b| if *b { "1" } else { "0" }.to_string())
                .collect();
            if self.stratum.is_some() {
                rec.push(s.clone());
            }
            rec.push(n.to_string());
            let _ = w.write_record(&rec);
        }
        String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
    }
}

/// Build the capture histories of the current source records the actor may see, optionally
/// stratified by the case's region or period, or by sex (as the records give it).
pub async fn capture_histories(
    store: &Store,
    actor: &Actor,
    stratum: Option<&str>,
) -> Result<CaptureHistories> {
    if !may_review(actor) {
        return Err(forbidden());
    }
    let stratum = stratum.map(Stratum::parse).transpose()?.flatten();
    let sources = src::sources(store).await?;
    let lists: Vec<String> = sources.iter().map(|s| s.name.clone()).collect();
    let col: HashMap<i64, usize> = sources.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
    if let Some(s) = stratum {
        s.check_lists(lists.iter().map(String::as_str))?;
    }
    let rows = sqlx::query(&format!(
        "SELECT r.id, r.source_id, r.missing_id, r.sex, m.region, m.period_id FROM pro_source_records r \
         LEFT JOIN pro_missing m ON m.id = r.missing_id \
         WHERE r.current = 1 AND (r.missing_id IS NULL OR {}) ORDER BY r.id",
        crate::protection::profile_visible_sql(actor, "m", dignity_core::RecordType::Missing)
    ))
    .fetch_all(store.pool())
    .await?;
    // Region and period names are encrypted: decrypted here.
    let periods = if stratum == Some(Stratum::Period) {
        crate::protection::missing::period_names(store).await?
    } else {
        Default::default()
    };
    // Consolidated person → (lists, stratum value).
    let mut persons: BTreeMap<(u8, i64), (Vec<bool>, String)> = BTreeMap::new();
    for r in &rows {
        let key = match r.get::<Option<i64>, _>(2) {
            Some(m) => (0u8, m),
            None => (1u8, r.get(0)),
        };
        let e = persons
            .entry(key)
            .or_insert_with(|| (vec![false; lists.len()], String::new()));
        if let Some(i) = col.get(&r.get::<i64, _>(1)) {
            e.0[*i] = true;
        }
        let value: String = match stratum {
            Some(Stratum::Region) => match r.get::<Option<i64>, _>(2) {
                Some(m) => crate::protection::dec(store, "pro_missing.region", m, r.get(4))?,
                None => String::new(),
            },
            Some(Stratum::Period) => r
                .get::<Option<i64>, _>(5)
                .and_then(|p| periods.get(&p).cloned())
                .unwrap_or_default(),
            Some(Stratum::Sex) => normal_sex(&v::dec(
                store,
                "pro_source_records.sex",
                r.get(0),
                r.get(3),
            )?)
            .into(),
            None => String::new(),
        };
        if e.1.is_empty() && !value.is_empty() {
            e.1 = value;
        }
    }
    let mut counts: BTreeMap<(Vec<bool>, String), i64> = BTreeMap::new();
    for (_, (on, s)) in persons {
        let s = if stratum.is_some() && s.is_empty() {
            "unknown".to_string()
        } else {
            s
        };
        *counts.entry((on, s)).or_default() += 1;
    }
    Ok(CaptureHistories {
        lists,
        stratum: stratum.map(|s| s.as_str().to_string()),
        rows: counts.into_iter().map(|((on, s), n)| (on, s, n)).collect(),
    })
}

fn normal_sex(s: &str) -> &'static str {
    match s.trim().to_lowercase().as_str() {
        "f" | "female" | "woman" | "w" | "ж" | "femme" | "mujer" => "female",
        "m" | "male" | "man" | "м" | "homme" | "hombre" | "h" => "male",
        "" => "",
        _ => "other",
    }
}
