//! Protection columns at rest (issue 16) on every backend: the missing persons' region,
//! community, last-seen date and status date, periods, status-change dates and references,
//! report dates and sharing recipients are stored encrypted; lists filter and reports group
//! by keyed tokens and the month of the last-seen date; cases that an older version stored
//! in clear are encrypted and keyed at start, and count and filter as before.

use crate::common;
use dignity_core::{Actor, Role};
use dignity_store::protection::missing::*;
use dignity_store::protection::{self as p, reports};
use dignity_store::testing::{backends, fixtures, TestStore};
use dignity_store::violations::Vocab;
use dignity_store::Backend;
use sqlx::Row;

async fn setup(b: Backend) -> (TestStore, Actor) {
    let st = common::fresh_store(b).await;
    let c = common::actor(&st, "cora", Role::Coordinator).await;
    (st, c)
}

async fn case(
    st: &TestStore,
    who: &Actor,
    name: &str,
    seen: &str,
    region: &str,
    community: &str,
    period: Option<i64>,
) -> i64 {
    let vocab = Vocab::load(st).await.unwrap();
    st.write(who, async |tx| {
        create_missing(
            tx,
            &vocab,
            &MissingInput {
                person: dignity_store::protection::NewPerson {
                    name: name.into(),
                    ..Default::default()
                },
                disappearance: dignity_store::protection::missing::Disappearance {
                    last_seen_date: seen.into(),
                    region: region.into(),
                    community: community.into(),
                    period_id: period,
                    ..Default::default()
                },
                opened_on: "2001-03-01".into(),
                ..Default::default()
            },
        )
        .await
    })
    .await
    .unwrap()
}

async fn raw(st: &TestStore, sql: &str, id: i64) -> Vec<String> {
    let r = sqlx::query(sql)
        .bind(id)
        .fetch_one(st.pool())
        .await
        .unwrap();
    (0..r.len()).map(|i| r.get::<String, _>(i)).collect()
}

fn counts(rows: &[reports::CountRow]) -> Vec<(String, i64)> {
    rows.iter()
        .map(|r| (r.group.clone(), r.open + r.located + r.closed))
        .collect()
}

/// Agron's case: last seen on 1999-04-12 in Gjakova, Albanian, in the period `period`.
async fn agron(st: &TestStore, who: &Actor, period: i64) -> i64 {
    case(
        st,
        who,
        "Agron",
        "1999-04-12",
        "Gjakova",
        "Albanian",
        Some(period),
    )
    .await
}

#[tokio::test]
async fn typed_case_fields_are_encrypted_and_reports_still_group_and_filter() {
    for b in backends() {
        let (st, coo) = setup(b).await;
        let kosovo = st
            .write(&coo, async |tx| {
                add_period(tx, "Kosovo 1998-2000", "1998-01", "2000-12").await
            })
            .await
            .unwrap();
        let bosnia = st
            .write(&coo, async |tx| {
                add_period(tx, "Bosnia 1992-1995", "1992-04", "1995-12").await
            })
            .await
            .unwrap();
        // A second period with the same name (any case) is refused, naming the field.
        let dup = st
            .write(&coo, async |tx| {
                add_period(tx, "kosovo 1998-2000", "1998", "1999").await
            })
            .await
            .unwrap_err();
        assert!(
            matches!(&dup, dignity_store::StoreError::Rejected(e) if e.field == "name"),
            "{b:?}: {dup}"
        );
        // Periods are listed by start date, decrypted.
        let ps = periods(&st).await.unwrap();
        assert_eq!(
            ps.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
            ["Bosnia 1992-1995", "Kosovo 1998-2000"],
            "{b:?}"
        );
        assert_eq!(
            (ps[1].start_date.as_str(), ps[1].end_date.as_str()),
            ("1998-01", "2000-12")
        );

        let a = agron(&st, &coo, kosovo).await;
        let c = case(
            &st,
            &coo,
            "Besa",
            "1999-05-02",
            "Gjakova",
            "Roma",
            Some(kosovo),
        )
        .await;
        let d = case(
            &st,
            &coo,
            "Dragan",
            "1993",
            "Prijedor",
            "Serb",
            Some(bosnia),
        )
        .await;
        st.write(&coo, async |tx| {
            change_status(
                tx,
                a,
                &StatusChange {
                    status: "located_alive".into(),
                    changed_on: "2003-06-01".into(),
                    reference: "Commission decision 14/2003".into(),
                    ..Default::default()
                },
            )
            .await
        })
        .await
        .unwrap();

        // On disk: ciphertexts, keyed tokens, and the month of the last-seen date only.
        let [seen, sort, region, community, status_on, region_key] = raw(
            &st,
            "SELECT last_seen_date, last_seen_sort, region, community, status_on, region_key FROM pro_missing WHERE id = $1",
            a,
        )
        .await
        .try_into()
        .unwrap();
        for v in [&seen, &region, &community, &status_on] {
            assert!(v.starts_with("enc:v2:"), "{b:?}: {v}");
        }
        assert_eq!(sort, "1999-04", "{b:?}");
        assert!(
            !region_key.is_empty() && !region_key.contains("Gjakova"),
            "{b:?}"
        );
        let year_only = raw(
            &st,
            "SELECT last_seen_sort FROM pro_missing WHERE id = $1",
            d,
        )
        .await;
        assert_eq!(year_only, ["1993"], "{b:?}");
        let h = raw(
            &st,
            "SELECT changed_on, reference FROM pro_status_history WHERE missing_id = $1 AND seq = 2",
            a,
        )
        .await;
        assert!(h.iter().all(|v| v.starts_with("enc:v2:")), "{b:?}: {h:?}");
        let pn = raw(
            &st,
            "SELECT name, start_date, end_date FROM pro_periods WHERE id = $1",
            kosovo,
        )
        .await;
        assert!(pn.iter().all(|v| v.starts_with("enc:v2:")), "{b:?}: {pn:?}");

        // Read back decrypted.
        let got = get_missing(&st, a).await.unwrap().unwrap();
        assert_eq!(
            (
                got.disappearance.last_seen_date.as_str(),
                got.disappearance.region.as_str(),
                got.disappearance.community.as_str(),
                got.status_on.as_str(),
                got.period.as_str()
            ),
            (
                "1999-04-12",
                "Gjakova",
                "Albanian",
                "2003-06-01",
                "Kosovo 1998-2000"
            ),
            "{b:?}"
        );
        let hist = history(&st, a).await.unwrap();
        assert_eq!(
            hist.iter()
                .map(|e| (e.changed_on.as_str(), e.reference.as_str()))
                .collect::<Vec<_>>(),
            [
                ("2001-03-01", "case opened"),
                ("2003-06-01", "Commission decision 14/2003")
            ],
            "{b:?}"
        );
        // The order of changes is still checked against the (decrypted) last date.
        let early = st
            .write(&coo, async |tx| {
                change_status(
                    tx,
                    a,
                    &StatusChange {
                        status: "closed".into(),
                        changed_on: "2002-01-01".into(),
                        reference: "r".into(),
                        ..Default::default()
                    },
                )
                .await
            })
            .await
            .unwrap_err();
        assert!(early.to_string().contains("2003-06-01"), "{b:?}: {early}");

        // The list filters by region through the keyed token, and shows the decrypted values.
        let f = MissingFilter {
            region: Some("Gjakova".into()),
            ..Default::default()
        };
        let (n, rows) = list_missing(&st, &coo, &f, 50, 0).await.unwrap();
        assert_eq!(n, 2, "{b:?}");
        let mut ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        ids.sort();
        assert_eq!(ids, [a, c], "{b:?}");
        assert!(rows.iter().all(|r| r.region == "Gjakova"), "{b:?}");
        assert!(
            rows.iter().any(|r| r.last_seen_date == "1999-05-02"),
            "{b:?}"
        );

        // Counts group by region, community, period and year as before.
        let by = |k: &'static str| {
            let st = &st;
            let coo = &coo;
            async move { counts(&reports::missing_counts(st, coo, k).await.unwrap()) }
        };
        assert_eq!(
            by("region").await,
            [("Gjakova".to_string(), 2), ("Prijedor".to_string(), 1)],
            "{b:?}"
        );
        assert_eq!(
            by("community").await,
            [
                ("Albanian".to_string(), 1),
                ("Roma".to_string(), 1),
                ("Serb".to_string(), 1)
            ],
            "{b:?}"
        );
        assert_eq!(
            by("period").await,
            [
                ("Bosnia 1992-1995".to_string(), 1),
                ("Kosovo 1998-2000".to_string(), 2)
            ],
            "{b:?}"
        );
        assert_eq!(
            by("year").await,
            [("1993".to_string(), 1), ("1999".to_string(), 2)],
            "{b:?}"
        );
    }
}

/// A case that an older version stored in clear (its region, community, dates and period
/// in clear, no keyed tokens): `dignity serve` encrypts the values at start
/// (`at_rest::encrypt_clear_fields`) and keys the region and community
/// (`protection::ensure_label_keys`); the case reads, filters and counts as before.
#[tokio::test]
async fn cases_stored_in_clear_by_an_older_version_are_encrypted_and_keyed_at_start() {
    for b in backends() {
        let (st, coo) = setup(b).await;
        let period = st
            .write(&coo, async |tx| {
                add_period(tx, "Kosovo", "1998", "2000").await
            })
            .await
            .unwrap();
        let a = agron(&st, &coo, period).await;
        // As an older version stored it.
        sqlx::query(
            "UPDATE pro_missing SET last_seen_date = '1999-04-12', region = 'Gjakova', community = 'Albanian', \
             status_on = '2001-03-01', region_key = '', community_key = '' WHERE id = $1",
        )
        .bind(a)
        .execute(st.pool())
        .await
        .unwrap();
        sqlx::query("UPDATE pro_periods SET name = 'Kosovo', start_date = '1998', end_date = '2000' WHERE id = $1")
            .bind(period)
            .execute(st.pool())
            .await
            .unwrap();

        let r = dignity_store::at_rest::encrypt_clear_fields(&st)
            .await
            .unwrap();
        assert_eq!(r.total(), 7, "{b:?}: {:?}", r.encrypted);
        assert_eq!(p::ensure_label_keys(&st).await.unwrap(), 1, "{b:?}");
        assert_eq!(p::ensure_label_keys(&st).await.unwrap(), 0, "{b:?}");

        let stored = raw(
            &st,
            "SELECT last_seen_date, region, community, status_on FROM pro_missing WHERE id = $1",
            a,
        )
        .await;
        assert!(
            stored.iter().all(|v| v.starts_with("enc:v2:")),
            "{b:?}: {stored:?}"
        );
        let got = get_missing(&st, a).await.unwrap().unwrap();
        assert_eq!(
            (
                got.disappearance.region.as_str(),
                got.disappearance.community.as_str(),
                got.period.as_str()
            ),
            ("Gjakova", "Albanian", "Kosovo"),
            "{b:?}"
        );
        let f = MissingFilter {
            region: Some("Gjakova".into()),
            ..Default::default()
        };
        assert_eq!(
            list_missing(&st, &coo, &f, 50, 0).await.unwrap().0,
            1,
            "{b:?}"
        );
        let c = reports::missing_counts(&st, &coo, "community")
            .await
            .unwrap();
        assert_eq!(counts(&c), [("Albanian".to_string(), 1)], "{b:?}");
        // The audit entries of the keying hold a count, never a value.
        let details = common::texts(
            &st,
            "SELECT CAST(details AS TEXT) FROM audit_log WHERE action = 'missing.label_keys'",
        )
        .await;
        assert_eq!(details.len(), 1, "{b:?}");
        assert!(!details[0].contains("Gjakova") && !details[0].contains("Albanian"));
    }
}

/// Defenders: the region, risk dates, check-in dates and measure dates, amounts and costs
/// are stored encrypted; the risk history and check-ins are listed latest first, and the
/// overdue check-ins are found on the decrypted due dates.
#[tokio::test]
async fn defender_dates_and_amounts_are_encrypted_and_the_check_in_clock_still_runs() {
    use dignity_store::protection::defenders::*;
    for b in backends() {
        let (st, coo) = setup(b).await;
        let vocab = Vocab::load(&st).await.unwrap();
        let def = st
            .write(&coo, async |tx| {
                create_defender(
                    tx,
                    &vocab,
                    &DefenderInput {
                        person: dignity_store::protection::NewPerson {
                            name: "Berta".into(),
                            age_group: "adult".into(),
                            ..Default::default()
                        },
                        profile: dignity_store::protection::defenders::DefenderProfile {
                            country: Some("HND".into()),
                            region: "Intibucá".into(),
                            areas: vec!["land_environment".into()],
                            ..Default::default()
                        },
                        ..Default::default()
                    },
                )
                .await
            })
            .await
            .unwrap();
        for (on, next) in [("2024-01-10", "2024-02-10"), ("2024-03-01", "2024-04-01")] {
            st.write(&coo, async |tx| {
                assess_risk(
                    tx,
                    &RiskInput {
                        defender_id: def,
                        level: "high".into(),
                        assessed_on: on.into(),
                        next_review: next.into(),
                        ..Default::default()
                    },
                )
                .await
            })
            .await
            .unwrap();
        }
        let grant = fixtures::emergency_grant(&st, &coo, def, "2024-02-13", "1 500,50").await;
        for (status, on, cost) in [
            ("approved", "2024-02-20", ""),
            ("delivered", "2024-02-22", "1400"),
        ] {
            let step = fixtures::measure_step(status, on, cost);
            st.write(&coo, async |tx| advance_measure(tx, grant, &step).await)
                .await
                .unwrap();
        }
        // A date before the last step is refused: the check reads the decrypted dates.
        let back = st
            .write(&coo, async |tx| {
                advance_measure(
                    tx,
                    grant,
                    &MeasureStatusInput {
                        status: "closed".into(),
                        on_date: "2024-02-21".into(),
                        outcome: "o".into(),
                        ..Default::default()
                    },
                )
                .await
            })
            .await
            .unwrap_err();
        assert!(back.to_string().contains("2024-02-22"), "{b:?}: {back}");
        let mut ids = vec![];
        for due in ["2024-05-01", "2024-04-01", "2024-06-01"] {
            ids.push(
                st.write(&coo, async |tx| add_checkin(tx, def, None, due).await)
                    .await
                    .unwrap(),
            );
        }
        st.write(&coo, async |tx| {
            complete_checkin(tx, ids[1], "2024-04-02", "").await
        })
        .await
        .unwrap();

        // On disk: ciphertexts only.
        let region = raw(&st, "SELECT region FROM pro_defenders WHERE id = $1", def).await;
        let risk = raw(&st, "SELECT assessed_on, next_review FROM pro_risk WHERE defender_id = $1 ORDER BY id LIMIT 1", def).await;
        let measure = raw(
            &st,
            "SELECT requested_on, approved_on, delivered_on, amount, cost FROM pro_measures WHERE id = $1",
            grant,
        )
        .await;
        let steps: Vec<String> =
            sqlx::query("SELECT on_date FROM pro_measure_history WHERE measure_id = $1")
                .bind(grant)
                .fetch_all(st.pool())
                .await
                .unwrap()
                .iter()
                .map(|r| r.get(0))
                .collect();
        let check = raw(
            &st,
            "SELECT due_on, done_on FROM pro_checkins WHERE id = $1",
            ids[1],
        )
        .await;
        for v in region
            .iter()
            .chain(&risk)
            .chain(&measure)
            .chain(&steps)
            .chain(&check)
        {
            assert!(v.starts_with("enc:v2:"), "{b:?}: {v}");
        }

        // Read back, in order.
        assert_eq!(
            get_defender(&st, def)
                .await
                .unwrap()
                .unwrap()
                .profile
                .region,
            "Intibucá"
        );
        let rh = risk_history(&st, def).await.unwrap();
        assert_eq!(
            rh.iter()
                .map(|r| r.assessment.assessed_on.as_str())
                .collect::<Vec<_>>(),
            ["2024-03-01", "2024-01-10"],
            "{b:?}"
        );
        assert_eq!(rh[0].assessment.next_review, "2024-04-01");
        let m = get_measure(&st, grant).await.unwrap().unwrap();
        assert_eq!(
            (
                m.requested_on.as_str(),
                m.approved_on.as_str(),
                m.delivered_on.as_str()
            ),
            ("2024-02-13", "2024-02-20", "2024-02-22"),
            "{b:?}"
        );
        assert_eq!(
            (m.amount.as_str(), m.cost.as_str()),
            ("1500.50", "1400.00"),
            "{b:?}"
        );
        assert_eq!(
            m.history
                .iter()
                .map(|h| h.on_date.as_str())
                .collect::<Vec<_>>(),
            ["2024-02-13", "2024-02-20", "2024-02-22"],
            "{b:?}"
        );
        let on = chrono::NaiveDate::from_ymd_opt(2024, 5, 15).unwrap();
        let cs = checkins_of(&st, def, on).await.unwrap();
        assert_eq!(
            cs.iter()
                .map(|c| (c.due_on.as_str(), c.done_on.as_str(), c.overdue))
                .collect::<Vec<_>>(),
            [
                ("2024-06-01", "", false),
                ("2024-05-01", "", true),
                ("2024-04-01", "2024-04-02", false)
            ],
            "{b:?}"
        );
        // Overdue on 15 May: the one due on 1 May (the done one and the June one are not).
        let od = overdue_checkins(&st, &coo, on, None).await.unwrap();
        assert_eq!(
            od.iter()
                .map(|c| (c.checkin_id, c.days_overdue))
                .collect::<Vec<_>>(),
            [(ids[0], 14)],
            "{b:?}"
        );
        let later = chrono::NaiveDate::from_ymd_opt(2024, 7, 1).unwrap();
        let od = overdue_checkins(&st, &coo, later, None).await.unwrap();
        assert_eq!(
            od.iter().map(|c| c.due_on.as_str()).collect::<Vec<_>>(),
            ["2024-05-01", "2024-06-01"],
            "{b:?}"
        );
    }
}

/// Source-list records: see the module.
#[path = "protection_at_rest/source_records.rs"]
mod source_records;
