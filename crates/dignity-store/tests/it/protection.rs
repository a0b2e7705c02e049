//! Protection on every backend: defenders (profile, attacks with the SDG fields and the
//! two-sources rule, risk history, measures, check-ins), missing persons (status history
//! with evidence and order, families and consent in every channel), source lists (import,
//! malformed lists, re-imports, candidate matching across scripts, linking and conflicts),
//! reports (SDG 16.10.1, memorial, counts), family links, and encryption at rest.

use crate::common;
use dignity_core::{Actor, Role};
use dignity_store::protection::defenders::{self as d, *};
use dignity_store::protection::missing::{self as m, *};
use dignity_store::protection::reports;
use dignity_store::protection::sources::{self as s, Mapping};
use dignity_store::testing::{backends, TestStore};
use dignity_store::violations::{self as v, PersonInput, Vocab};
use dignity_store::{Backend, StoreError};
use sqlx::Row;

const FEMALE: &str = "02000000000039";

async fn setup(b: Backend) -> (TestStore, Actor, Actor, Actor, i64) {
    let st = common::fresh_store(b).await;
    let mut u = common::users(
        &st,
        &[
            ("dora", Role::Documenter),
            ("ana", Role::Analyst),
            ("cora", Role::Coordinator),
        ],
    )
    .await
    .into_iter();
    let ((_, d), (_, a), (coo, c)) = (u.next().unwrap(), u.next().unwrap(), u.next().unwrap());
    (st, d, a, c, coo.id)
}

fn invalid_field(e: StoreError) -> String {
    match e {
        StoreError::Invalid { field, .. } => field,
        StoreError::Rejected(e) => e.field.to_string(),
        e => panic!("expected a validation error, got {e}"),
    }
}

async fn audit_count(st: &TestStore) -> i64 {
    sqlx::query("SELECT COUNT(*) FROM audit_log")
        .fetch_one(st.pool())
        .await
        .unwrap()
        .get(0)
}

async fn source_person(st: &TestStore, who: &Actor, vocab: &Vocab, name: &str) -> i64 {
    st.write(who, async |tx| {
        v::create_person(
            tx,
            vocab,
            &PersonInput {
                name: name.into(),
                confidentiality: "internal".into(),
                ..Default::default()
            },
        )
        .await
    })
    .await
    .unwrap()
}

async fn defender(st: &TestStore, who: &Actor, vocab: &Vocab, contact: i64) -> i64 {
    st.write(who, async |tx| {
        create_defender(
            tx,
            vocab,
            &DefenderInput {
                name: "Berta Flores Cáceres".into(),
                sex: Some(FEMALE.into()),
                age_group: "adult".into(),
                organisation: "Consejo de Pueblos Lenca".into(),
                country: Some("HND".into()),
                region: "Intibucá".into(),
                contact: "+504 9999 0000".into(),
                whereabouts: "Safe house near La Esperanza".into(),
                contact_user: Some(contact),
                areas: vec![
                    "land_environment".into(),
                    "indigenous".into(),
                    "women_rights".into(),
                ],
                memorial_consent: true,
                ..Default::default()
            },
        )
        .await
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn defenders_attacks_risk_measures_checkins() {
    // A refusal of a defenders' rule is typed (translated on pages by its key).
    fn rule(e: &StoreError) -> &'static str {
        match e {
            StoreError::Rejected(dignity_core::Invalid {
                problem: dignity_core::Problem::Rule { key, .. },
                ..
            }) => key,
            e => panic!("expected a typed rule, got {e}"),
        }
    }
    for b in backends() {
        let (st, doc, ana, coo, cora) = setup(b).await;
        let vocab = Vocab::load(&st).await.unwrap();
        let id = defender(&st, &doc, &vocab, cora).await;

        // The profile is confidential: the analyst (not on the list) sees nothing, the
        // contact point (put on the list) does.
        assert!(defender_for(&st, &ana, id).await.unwrap().is_none());
        assert_eq!(
            list_defenders(&st, &ana, None, None, 50, 0)
                .await
                .unwrap()
                .0,
            0
        );
        let seen = defender_for(&st, &coo, id).await.unwrap().unwrap();
        assert_eq!(seen.name, "Berta Flores Cáceres");
        assert_eq!(seen.whereabouts, "Safe house near La Esperanza");
        assert_eq!(
            list_defenders(&st, &coo, Some("land_environment"), None, 50, 0)
                .await
                .unwrap()
                .0,
            1
        );
        assert_eq!(
            list_defenders(&st, &coo, Some("journalism"), None, 50, 0)
                .await
                .unwrap()
                .0,
            0
        );

        // A threat, reprisal for cooperation with the UN, one source: not yet verified.
        let src1 = source_person(&st, &doc, &vocab, "COPINH communications office").await;
        let src2 = source_person(&st, &doc, &vocab, "Local radio reporter").await;
        let attack = st
            .write(&doc, async |tx| {
                record_attack(
                    tx,
                    &vocab,
                    &AttackInput {
                        defender_id: id,
                        attack_type: "un_reprisal".into(),
                        date: "2024-02-10".into(),
                        place: "La Esperanza".into(),
                        perpetrator_category: "state_actor".into(),
                        motive: "work_related".into(),
                        source_ids: vec![src1],
                        ..Default::default()
                    },
                )
                .await
            })
            .await
            .unwrap();
        let list = attacks_of(&st, &doc, id).await.unwrap();
        assert_eq!(list.len(), 1);
        assert!(list[0].un_reprisal, "flagged as a reprisal");
        assert_eq!(list[0].sources, 1);
        assert!(!list[0].verified, "one source is not enough");
        assert_eq!(list[0].sex.as_deref(), Some(FEMALE));
        st.write(&doc, async |tx| {
            add_attack_source(tx, &vocab, attack, src2).await
        })
        .await
        .unwrap();
        let list = attacks_of(&st, &doc, id).await.unwrap();
        assert!(list[0].verified, "two independent sources");
        // The act is a violations act with the defender as victim, under the hrd lens.
        let act = v::get_act(&st, list[0].act_id).await.unwrap().unwrap();
        let def = get_defender(&st, id).await.unwrap().unwrap();
        assert_eq!(act.victim_id, def.person_id);
        let ev = v::get_event(&st, act.event_id).await.unwrap().unwrap();
        assert!(ev.lenses.contains(&"hrd".to_string()));
        // Bad input: unknown attack type, future date, unknown perpetrator category.
        for (bad, field) in [
            (
                AttackInput {
                    defender_id: id,
                    attack_type: "nope".into(),
                    date: "2024-01-01".into(),
                    ..Default::default()
                },
                "attack_type",
            ),
            (
                AttackInput {
                    defender_id: id,
                    attack_type: "threats".into(),
                    date: "2999-01-01".into(),
                    ..Default::default()
                },
                "date",
            ),
            (
                AttackInput {
                    defender_id: id,
                    attack_type: "threats".into(),
                    date: "2024-01-01".into(),
                    perpetrator_category: "aliens".into(),
                    ..Default::default()
                },
                "perpetrator_category",
            ),
        ] {
            let e = st
                .write(&doc, async |tx| record_attack(tx, &vocab, &bad).await)
                .await
                .unwrap_err();
            assert_eq!(invalid_field(e), field);
        }
        assert_eq!(
            attacks_of(&st, &doc, id).await.unwrap().len(),
            1,
            "nothing half-written"
        );

        // Risk: two assessments, the history keeps both, latest first.
        for (lvl, on, next) in [
            ("medium", "2024-01-05", "2024-04-05"),
            ("high", "2024-02-12", "2024-03-12"),
        ] {
            st.write(&coo, async |tx| {
                assess_risk(
                    tx,
                    &RiskInput {
                        defender_id: id,
                        level: lvl.into(),
                        factors: vec!["threats_received".into()],
                        notes: "Car followed".into(),
                        assessed_on: on.into(),
                        next_review: next.into(),
                    },
                )
                .await
            })
            .await
            .unwrap();
        }
        let h = risk_history(&st, id).await.unwrap();
        assert_eq!(
            h.iter().map(|r| r.level.as_str()).collect::<Vec<_>>(),
            ["high", "medium"]
        );
        assert_eq!(h[0].assessor, "cora");
        let e = st
            .write(&coo, async |tx| {
                assess_risk(
                    tx,
                    &RiskInput {
                        defender_id: id,
                        level: "high".into(),
                        assessed_on: "2024-03-01".into(),
                        next_review: "2024-02-01".into(),
                        ..Default::default()
                    },
                )
                .await
            })
            .await
            .unwrap_err();
        assert_eq!(invalid_field(e), "next_review");

        // Measures: a relocation of 3 months is refused; 9 months with host, visa and plan
        // goes requested → approved → delivered → closed; steps cannot go back.
        let reloc = |end: &str| MeasureInput {
            defender_id: id,
            measure_type: "relocation".into(),
            requested_on: "2024-02-13".into(),
            host: "Shelter City Madrid".into(),
            period_start: "2024-03-01".into(),
            period_end: end.into(),
            visa: "Schengen type D".into(),
            security_plan: "Travel via Tegucigalpa with escort".into(),
            ..Default::default()
        };
        let e = st
            .write(&coo, async |tx| {
                request_measure(tx, &reloc("2024-06-01")).await
            })
            .await
            .unwrap_err();
        assert_eq!(rule(&e), "pro.def.relocation_period");
        assert_eq!(invalid_field(e), "period_end");
        let mid = st
            .write(&coo, async |tx| {
                request_measure(tx, &reloc("2024-11-30")).await
            })
            .await
            .unwrap();
        let e = st
            .write(&coo, async |tx| {
                advance_measure(
                    tx,
                    mid,
                    &MeasureStatusInput {
                        status: "delivered".into(),
                        on_date: "2024-02-20".into(),
                        ..Default::default()
                    },
                )
                .await
            })
            .await
            .unwrap_err();
        assert_eq!(rule(&e), "pro.def.measure_next");
        assert_eq!(invalid_field(e), "status");
        st.write(&coo, async |tx| {
            advance_measure(
                tx,
                mid,
                &MeasureStatusInput {
                    status: "approved".into(),
                    on_date: "2024-02-20".into(),
                    ..Default::default()
                },
            )
            .await
        })
        .await
        .unwrap();
        let e = st
            .write(&coo, async |tx| {
                advance_measure(
                    tx,
                    mid,
                    &MeasureStatusInput {
                        status: "delivered".into(),
                        on_date: "2024-02-01".into(),
                        ..Default::default()
                    },
                )
                .await
            })
            .await
            .unwrap_err();
        assert_eq!(rule(&e), "pro.def.step_out_of_order");
        assert_eq!(invalid_field(e), "on_date", "out of order");
        st.write(&coo, async |tx| {
            advance_measure(
                tx,
                mid,
                &MeasureStatusInput {
                    status: "delivered".into(),
                    on_date: "2024-03-01".into(),
                    cost: "4 800,00".into(),
                    cost_currency: "eur".into(),
                    ..Default::default()
                },
            )
            .await
        })
        .await
        .unwrap();
        let e = st
            .write(&coo, async |tx| {
                advance_measure(
                    tx,
                    mid,
                    &MeasureStatusInput {
                        status: "closed".into(),
                        on_date: "2024-12-01".into(),
                        ..Default::default()
                    },
                )
                .await
            })
            .await
            .unwrap_err();
        assert_eq!(rule(&e), "pro.def.outcome_required");
        assert_eq!(invalid_field(e), "outcome");
        st.write(&coo, async |tx| {
            advance_measure(
                tx,
                mid,
                &MeasureStatusInput {
                    status: "closed".into(),
                    on_date: "2024-12-01".into(),
                    outcome: "Returned safely".into(),
                    ..Default::default()
                },
            )
            .await
        })
        .await
        .unwrap();
        let ms = measures_of(&st, id).await.unwrap();
        assert_eq!(ms[0].status, "closed");
        assert_eq!(ms[0].cost, "4800.00");
        assert_eq!(ms[0].cost_currency, "EUR");
        assert_eq!(ms[0].details.host, "Shelter City Madrid");
        assert_eq!(ms[0].history.len(), 4);
        // A grant without an amount is refused; with one it is kept in cents.
        let e = st
            .write(&coo, async |tx| {
                request_measure(
                    tx,
                    &MeasureInput {
                        defender_id: id,
                        measure_type: "emergency_grant".into(),
                        currency: "USD".into(),
                        ..Default::default()
                    },
                )
                .await
            })
            .await
            .unwrap_err();
        assert_eq!(invalid_field(e), "amount");
        st.write(&coo, async |tx| {
            request_measure(
                tx,
                &MeasureInput {
                    defender_id: id,
                    measure_type: "emergency_grant".into(),
                    amount: "1500.5".into(),
                    currency: "usd".into(),
                    ..Default::default()
                },
            )
            .await
        })
        .await
        .unwrap();
        assert_eq!(measures_of(&st, id).await.unwrap()[0].amount, "1500.50");

        // Check-ins: one overdue, flagged to the contact point only.
        let c1 = st
            .write(&coo, async |tx| {
                add_checkin(tx, id, Some(mid), "2024-03-15").await
            })
            .await
            .unwrap();
        st.write(&coo, async |tx| {
            add_checkin(tx, id, None, "2999-01-01").await
        })
        .await
        .unwrap();
        let on = chrono::NaiveDate::from_ymd_opt(2024, 4, 1).unwrap();
        let od = overdue_checkins(&st, &coo, on, Some(cora)).await.unwrap();
        assert_eq!(od.len(), 1);
        assert_eq!(od[0].days_overdue, 17);
        assert_eq!(od[0].contact_user_name, "cora");
        assert!(overdue_checkins(&st, &coo, on, Some(cora + 1000))
            .await
            .unwrap()
            .is_empty());
        st.write(&coo, async |tx| {
            complete_checkin(tx, c1, "2024-04-01", "All well").await
        })
        .await
        .unwrap();
        assert!(overdue_checkins(&st, &coo, on, Some(cora))
            .await
            .unwrap()
            .is_empty());
        let e = st
            .write(&coo, async |tx| {
                complete_checkin(tx, c1, "2024-04-02", "").await
            })
            .await
            .unwrap_err();
        assert_eq!(invalid_field(e), "done_on");

        // SDG 16.10.1: a killing with two sources counts; one with a single source does not.
        let k = st
            .write(&doc, async |tx| {
                record_attack(
                    tx,
                    &vocab,
                    &AttackInput {
                        defender_id: id,
                        attack_type: "killing".into(),
                        date: "2024-03-02".into(),
                        perpetrator_category: "business".into(),
                        motive: "work_related".into(),
                        source_ids: vec![src1, src2],
                        ..Default::default()
                    },
                )
                .await
            })
            .await
            .unwrap();
        assert!(k > 0);
        let t = reports::sdg_16101(&st, &coo, 2024, "HND").await.unwrap();
        assert_eq!((t.total, t.unverified), (1, 0));
        assert_eq!(t.rows[0].victim_status, "hrd");
        assert_eq!(t.rows[0].perpetrator_category, "business");
        assert_eq!(t.rows[0].age_group, "adult");
        assert!(reports::sdg_csv(&t).contains("16.10.1,2024,HND,hrd,"));
        assert_eq!(
            reports::sdg_16101(&st, &coo, 2023, "HND")
                .await
                .unwrap()
                .total,
            0
        );
        assert_eq!(
            reports::sdg_16101(&st, &ana, 2024, "HND")
                .await
                .unwrap()
                .total,
            0,
            "what the reader may not see is not counted"
        );
        // Consent alone does not publish: her profile is confidential and was never
        // published, so the public memorial does not name her (issue 15, hole 5; the
        // published case is in dignity-web's tests/it/protection.rs).
        assert!(reports::memorial(&st).await.unwrap().is_empty());
        let mut upd = DefenderInput {
            memorial_consent: false,
            areas: def.areas.clone(),
            contact_user: Some(cora),
            ..Default::default()
        };
        upd.organisation = def.organisation.clone();
        st.write(&coo, async |tx| update_defender(tx, &vocab, id, &upd).await)
            .await
            .unwrap();
        assert!(reports::memorial(&st).await.unwrap().is_empty());

        // Encrypted at rest: contact, whereabouts, organisation, risk notes are not in the file.
        if b == Backend::Sqlite {
            st.pool().close().await;
            let mut raw = std::fs::read(st.opts.sqlite_path()).unwrap();
            if let Ok(w) = std::fs::read(st.opts.sqlite_path().with_extension("db-wal")) {
                raw.extend(w);
            }
            let raw = String::from_utf8_lossy(&raw);
            for secret in [
                "Safe house near La Esperanza",
                "+504 9999 0000",
                "Consejo de Pueblos Lenca",
                "Car followed",
                "Berta Flores",
                "Shelter City Madrid",
            ] {
                assert!(!raw.contains(secret), "{secret} in the database file");
            }
        }
    }
}

async fn case_with_family(
    st: &TestStore,
    who: &Actor,
    vocab: &Vocab,
    consent: Consent,
    team: i64,
) -> (i64, i64, i64) {
    st.write(who, async |tx| {
        let id = create_missing(
            tx,
            vocab,
            &MissingInput {
                name: "Agron Krasniqi".into(),
                other_names: vec!["Агрон Краснићи".into()],
                birth_date: "1971-05-04".into(),
                last_seen_date: "1999-04-12".into(),
                last_seen_place: "Gjakova".into(),
                region: "Gjakova".into(),
                community: "Albanian".into(),
                circumstances: "Taken from the convoy at the bridge".into(),
                description: "Blue jacket, scar on the left hand".into(),
                opened_on: "2001-03-01".into(),
                need_to_know_users: vec![team],
                ..Default::default()
            },
        )
        .await?;
        let rel = add_relative(
            tx,
            id,
            &RelativeInput {
                name: "Shpresa Krasniqi".into(),
                relationship: "spouse".into(),
                contact: "+383 44 000 000".into(),
            },
        )
        .await?;
        let rep = add_report(
            tx,
            id,
            &ReportInput {
                relative_id: rel,
                reported_on: "2001-03-01".into(),
                consent,
            },
        )
        .await?;
        Ok((id, rel, rep))
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn missing_persons_status_history_and_consent() {
    for b in backends() {
        let (st, doc, ana, coo, cora) = setup(b).await;
        let vocab = Vocab::load(&st).await.unwrap();
        let (id, _rel, rep) = case_with_family(
            &st,
            &doc,
            &vocab,
            Consent {
                commission: true,
                organisations: false,
            },
            cora,
        )
        .await;
        let c = case_for(&st, &doc, id).await.unwrap().unwrap();
        assert_eq!(
            (c.status.as_str(), c.status_on.as_str()),
            ("missing", "2001-03-01")
        );
        assert!(
            case_for(&st, &ana, id).await.unwrap().is_none(),
            "confidential by default"
        );

        // Status changes: without evidence, out of order, not allowed — refused, nothing written.
        let before = audit_count(&st).await;
        for (chg, field) in [
            (
                StatusChange {
                    status: "deceased_identified".into(),
                    changed_on: "2003-06-01".into(),
                    ..Default::default()
                },
                "evidence",
            ),
            (
                StatusChange {
                    status: "deceased_identified".into(),
                    changed_on: "2000-06-01".into(),
                    reference: "ICMP DNA report 12345".into(),
                    ..Default::default()
                },
                "changed_on",
            ),
            (
                StatusChange {
                    status: "missing".into(),
                    changed_on: "2003-06-01".into(),
                    reference: "x".into(),
                    ..Default::default()
                },
                "status",
            ),
            (
                StatusChange {
                    status: "deceased_identified".into(),
                    changed_on: "2003-06-01".into(),
                    evidence_id: Some(999),
                    ..Default::default()
                },
                "evidence",
            ),
            (
                StatusChange {
                    status: "buried".into(),
                    changed_on: "2003-06-01".into(),
                    reference: "x".into(),
                    ..Default::default()
                },
                "status",
            ),
        ] {
            let e = st
                .write(&doc, async |tx| change_status(tx, id, &chg).await)
                .await
                .unwrap_err();
            assert_eq!(invalid_field(e), field);
        }
        assert_eq!(
            audit_count(&st).await,
            before,
            "refused changes leave no trace but the refusal"
        );
        assert_eq!(history(&st, id).await.unwrap().len(), 1);
        // Remains recovered, then identified, then closed: each dated, attributed, referenced.
        st.write(&doc, async |tx| {
            change_status(
                tx,
                id,
                &StatusChange {
                    status: "remains_unidentified".into(),
                    changed_on: "2002-09-10".into(),
                    reference: "Exhumation Rahovec site 4".into(),
                    ..Default::default()
                },
            )
            .await
        })
        .await
        .unwrap();
        let e = st
            .write(&doc, async |tx| {
                change_status(
                    tx,
                    id,
                    &StatusChange {
                        status: "located_alive".into(),
                        changed_on: "2003-01-01".into(),
                        reference: "x".into(),
                        ..Default::default()
                    },
                )
                .await
            })
            .await
            .unwrap_err();
        match e {
            StoreError::Rejected(e) => assert!(
                e.message()
                    .contains("remains_unidentified cannot become located_alive"),
                "{e}"
            ),
            e => panic!("{e}"),
        }
        st.write(&coo, async |tx| {
            change_status(
                tx,
                id,
                &StatusChange {
                    status: "deceased_identified".into(),
                    changed_on: "2003-06-01".into(),
                    reference: "ICMP DNA report 12345".into(),
                    note: "Family informed".into(),
                    ..Default::default()
                },
            )
            .await
        })
        .await
        .unwrap();
        let h = history(&st, id).await.unwrap();
        assert_eq!(
            h.iter().map(|e| e.to_status.as_str()).collect::<Vec<_>>(),
            ["missing", "remains_unidentified", "deceased_identified"]
        );
        assert_eq!(h[2].by, "cora");
        assert_eq!(h[2].reference, "ICMP DNA report 12345");
        assert_eq!(h[2].note, "Family informed");
        assert!(
            v::get_person(&st, c.person_id)
                .await
                .unwrap()
                .unwrap()
                .deceased
        );

        // Consent: the commission may receive it, other organisations may not.
        assert_eq!(
            case_consent(&st, id).await.unwrap(),
            Consent {
                commission: true,
                organisations: false
            }
        );
        let e = st
            .write(&coo, async |tx| {
                share(tx, id, "organisations", "ICRC Pristina", "share").await
            })
            .await
            .unwrap_err();
        assert_eq!(invalid_field(e), "consent");
        st.write(&coo, async |tx| {
            share(
                tx,
                id,
                "commission",
                "Government Commission on Missing Persons",
                "share",
            )
            .await
        })
        .await
        .unwrap();
        // Export to organisations withholds it; to the commission includes it and logs it.
        let ex = export_for(
            &st,
            &coo,
            "organisations",
            "ICRC",
            "export",
            &MissingFilter::default(),
        )
        .await
        .unwrap();
        assert!(ex.cases.is_empty());
        assert_eq!(ex.withheld, 1);
        let ex = export_for(
            &st,
            &coo,
            "commission",
            "Government Commission on Missing Persons",
            "export",
            &MissingFilter::default(),
        )
        .await
        .unwrap();
        assert_eq!(ex.cases.len(), 1);
        assert!(m::export_csv(&ex).contains("Agron Krasniqi"));
        assert_eq!(shares(&st, id).await.unwrap().len(), 2);
        // Withdrawn after sharing: logged as such, what was shared is listed, no further sharing.
        let ch = st
            .write(&coo, async |tx| {
                set_consent(tx, rep, Consent::default()).await
            })
            .await
            .unwrap();
        assert!(ch.withdrawn_after_sharing);
        assert_eq!(ch.already_shared.len(), 2);
        assert_eq!(
            ch.already_shared[0].recipient,
            "Government Commission on Missing Persons"
        );
        let e = st
            .write(&coo, async |tx| {
                share(
                    tx,
                    id,
                    "commission",
                    "Government Commission on Missing Persons",
                    "share",
                )
                .await
            })
            .await
            .unwrap_err();
        assert_eq!(invalid_field(e), "consent");
        assert!(export_for(
            &st,
            &coo,
            "commission",
            "GCMP",
            "api",
            &MissingFilter::default()
        )
        .await
        .unwrap()
        .cases
        .is_empty());
        let logged: i64 =
            sqlx::query("SELECT COUNT(*) FROM pro_consent_log WHERE withdrawn_after_sharing = 1")
                .fetch_one(st.pool())
                .await
                .unwrap()
                .get(0);
        assert_eq!(logged, 1);
        let audited: i64 = sqlx::query(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'consent.withdrawn_after_sharing'",
        )
        .fetch_one(st.pool())
        .await
        .unwrap()
        .get(0);
        assert_eq!(audited, 1);

        // Family link: shows this case's status and history, nothing else; revocable.
        let (other, _, _) = case_with_family(&st, &doc, &vocab, Consent::default(), cora).await;
        let token = st
            .write(&coo, async |tx| create_family_link(tx, id, None, 30).await)
            .await
            .unwrap();
        let view = family_case(&st, &token).await.unwrap().unwrap();
        assert_eq!(view.status, "deceased_identified");
        assert_eq!(view.history.len(), 3);
        let json = serde_json::to_string(&view).unwrap();
        for hidden in [
            "ICMP",
            "Family informed",
            "cora",
            "Shpresa",
            "convoy",
            &other.to_string(),
        ] {
            assert!(
                !json.contains(hidden)
                    || hidden.chars().all(|c| c.is_ascii_digit())
                        && !json.contains(&format!("\"{hidden}\"")),
                "{hidden} leaked"
            );
        }
        assert!(family_case(&st, "not-a-real-token-at-all-xxxxxxxx")
            .await
            .unwrap()
            .is_none());
        let link = family_links(&st, id).await.unwrap()[0].id;
        st.write(&coo, async |tx| revoke_family_link(tx, link).await)
            .await
            .unwrap();
        assert!(family_case(&st, &token).await.unwrap().is_none());

        // Counts by region, filtered by what the reader may see.
        let counts = reports::missing_counts(&st, &coo, "region").await.unwrap();
        assert_eq!(
            counts,
            vec![reports::CountRow {
                group: "Gjakova".into(),
                open: 1,
                located: 1,
                closed: 0
            }]
        );
        assert!(reports::missing_counts(&st, &ana, "region")
            .await
            .unwrap()
            .is_empty());
        let svg = reports::counts_svg(&counts, ["Cases", "open", "located", "closed", "unknown"]);
        assert!(svg.starts_with("<svg") && svg.contains("Gjakova"));

        if b == Backend::Sqlite {
            st.pool().close().await;
            let mut raw = std::fs::read(st.opts.sqlite_path()).unwrap();
            if let Ok(w) = std::fs::read(st.opts.sqlite_path().with_extension("db-wal")) {
                raw.extend(w);
            }
            let raw = String::from_utf8_lossy(&raw);
            for secret in [
                "Shpresa",
                "+383 44",
                "convoy",
                "scar on the left",
                "Agron",
                "Family informed",
            ] {
                assert!(!raw.contains(secret), "{secret} in the database file");
            }
        }
    }
}

fn table(csv: &str) -> s::Table {
    s::read_csv(csv.as_bytes()).unwrap()
}

/// The current record with this external id (stored encrypted: found through the list).
async fn record_id(st: &TestStore, external_id: &str) -> i64 {
    s::records(st, None, false, 1000, 0)
        .await
        .unwrap()
        .1
        .into_iter()
        .find(|r| r.external_id == external_id)
        .unwrap()
        .id
}

#[tokio::test]
async fn source_lists_import_match_and_link() {
    for b in backends() {
        let (st, doc, _ana, coo, cora) = setup(b).await;
        let vocab = Vocab::load(&st).await.unwrap();
        let (case, _, _) = case_with_family(&st, &doc, &vocab, Consent::default(), cora).await;
        let (icrc, comm) = st
            .write(&coo, async |tx| {
                Ok((
                    s::create_source(tx, "ICRC", "red_cross").await?,
                    s::create_source(tx, "Commission", "commission").await?,
                ))
            })
            .await
            .unwrap();
        let mapping: Mapping = [
            ("external_id", "ID"),
            ("name", "Full name"),
            ("birth_date", "DOB"),
            ("place", "Place"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();

        // Malformed lists: every problem named by line and field; nothing written.
        let before = audit_count(&st).await;
        let bad = table("ID,Full name,DOB,Place\nK-1,Agron Krasniqi,1971-05-04,Gjakova\nK-1,Someone,1970,Peja\nK-3,,1970-13-01,Peja\n");
        let errs = s::import_list(&st, &coo, icrc, "icrc.csv", &bad, &mapping)
            .await
            .unwrap_err();
        let got: Vec<(usize, &str)> = errs.iter().map(|e| (e.line, e.field.as_str())).collect();
        assert_eq!(
            got,
            vec![(3, "external_id"), (4, "name"), (4, "birth_date")]
        );
        let mut wrong = mapping.clone();
        wrong.insert("name".into(), "Name".into());
        let errs = s::import_list(
            &st,
            &coo,
            icrc,
            "icrc.csv",
            &table("ID,Full name\nK-1,A\n"),
            &wrong,
        )
        .await
        .unwrap_err();
        assert!(errs
            .iter()
            .any(|e| e.field == "name" && e.message.contains("no column")));
        assert!(s::read_csv(b"ID,Full name\nK-1,A,extra\n").is_err());
        assert!(s::read_csv(&[0xff, 0xfe, 0x00]).is_err());
        assert_eq!(audit_count(&st).await, before);
        assert_eq!(s::records(&st, None, false, 100, 0).await.unwrap().0, 0);

        // Two lists: the ICRC writes the name in Latin, the commission in Serbian Cyrillic.
        let rep = s::import_list(&st, &coo, icrc, "icrc.csv", &table("ID,Full name,DOB,Place\nK-1,Agron Krasniqi,1971-05-04,Gjakova\nK-2,Dragana Jovanović,1980,Prizren\n"), &mapping)
            .await
            .unwrap();
        assert_eq!((rep.new, rep.changed, rep.unchanged), (2, 0, 0));
        let rep = s::import_list(&st, &coo, comm, "comm.csv", &table("ID;Full name;DOB;Place\nC-77;Агрон Краснићи;1971-05-04;Ђаковица\nC-78;Драгана Јовановић;1980-02-02;Призрен\n"), &mapping)
            .await
            .unwrap();
        assert_eq!(rep.new, 2);
        let cands = s::candidates(&st, &coo, None, 0.75, 50).await.unwrap();
        // Agron (ICRC) and Агрон (commission) both match the case; Dragana matches across lists.
        let icrc_agron = s::records(&st, Some(icrc), false, 10, 0)
            .await
            .unwrap()
            .1
            .into_iter()
            .find(|r| r.external_id == "K-1")
            .unwrap();
        let comm_agron = s::records(&st, Some(comm), false, 10, 0)
            .await
            .unwrap()
            .1
            .into_iter()
            .find(|r| r.external_id == "C-77")
            .unwrap();
        assert!(
            cands.iter().any(|c| c.record_id == icrc_agron.id
                && c.other_kind == "case"
                && c.other_id == case),
            "{cands:#?}"
        );
        assert!(
            cands.iter().any(|c| c.record_id == comm_agron.id
                && c.other_kind == "case"
                && c.other_id == case),
            "{cands:#?}"
        );
        assert!(
            cands.iter().any(|c| c.other_kind == "record"
                && c.record_source != c.other_source
                && c.record_name.contains("Dragana")
                || c.other_name.contains("Dragana")),
            "{cands:#?}"
        );
        assert_eq!(
            comm_agron.raw,
            r#"{"DOB":"1971-05-04","Full name":"Агрон Краснићи","ID":"C-77","Place":"Ђаковица"}"#,
            "kept as received"
        );

        // Link both; linking again or elsewhere is refused; the case lists its sources.
        st.write(&coo, async |tx| {
            s::link(tx, icrc_agron.id, case, false).await
        })
        .await
        .unwrap();
        st.write(&coo, async |tx| {
            s::link(tx, comm_agron.id, case, false).await
        })
        .await
        .unwrap();
        let e = st
            .write(&coo, async |tx| {
                s::link(tx, icrc_agron.id, case, false).await
            })
            .await
            .unwrap_err();
        assert_eq!(invalid_field(e), "record_id");
        let srcs = s::records_of_case(&st, case).await.unwrap();
        assert_eq!(
            srcs.iter()
                .map(|(r, _)| r.source.as_str())
                .collect::<Vec<_>>(),
            ["Commission", "ICRC"]
        );
        assert!(srcs.iter().all(|(_, c)| c.is_empty()));

        // A conflicting record (another date of birth) needs confirmation; then the conflict shows.
        let ngo = st
            .write(&coo, async |tx| {
                s::create_source(tx, "Mothers' association", "family_association").await
            })
            .await
            .unwrap();
        s::import_list(
            &st,
            &coo,
            ngo,
            "ngo.csv",
            &table("ID,Full name,DOB,Place\nN-5,Agron Krasniqi,1973,Gjakova\n"),
            &mapping,
        )
        .await
        .unwrap();
        let n5 = s::records(&st, Some(ngo), false, 10, 0).await.unwrap().1[0].id;
        let e = st
            .write(&coo, async |tx| s::link(tx, n5, case, false).await)
            .await
            .unwrap_err();
        assert_eq!(invalid_field(e), "conflict");
        let c = st
            .write(&coo, async |tx| s::link(tx, n5, case, true).await)
            .await
            .unwrap();
        assert_eq!(c.len(), 1);
        let srcs = s::records_of_case(&st, case).await.unwrap();
        assert!(srcs
            .iter()
            .any(|(r, c)| r.id == n5 && c.iter().any(|x| x.contains("1973"))));

        // Re-import: unchanged rows stay, a changed row is kept beside the old one and its link carries over.
        let rep = s::import_list(&st, &coo, icrc, "icrc2.csv", &table("ID,Full name,DOB,Place\nK-1,Agron Krasniqi,1971-05-04,Gjakovë\nK-2,Dragana Jovanović,1980,Prizren\n"), &mapping)
            .await
            .unwrap();
        assert_eq!((rep.new, rep.changed, rep.unchanged), (0, 1, 1));
        let all: i64 = sqlx::query("SELECT COUNT(*) FROM pro_source_records WHERE source_id = $1")
            .bind(icrc)
            .fetch_one(st.pool())
            .await
            .unwrap()
            .get(0);
        assert_eq!(all, 3, "the old version is kept");
        let k1 = s::records(&st, Some(icrc), false, 10, 0)
            .await
            .unwrap()
            .1
            .into_iter()
            .find(|r| r.external_id == "K-1")
            .unwrap();
        assert_eq!(k1.missing_id, Some(case));
        assert_eq!(k1.place, "Gjakovë");

        // A case from a record; unlink.
        let d2 = s::records(&st, Some(comm), true, 10, 0).await.unwrap().1[0].id;
        let new_case = st
            .write(&coo, async |tx| {
                s::case_from_record(tx, &vocab, d2, "").await
            })
            .await
            .unwrap();
        assert_eq!(
            s::get_record(&st, d2).await.unwrap().unwrap().missing_id,
            Some(new_case)
        );
        st.write(&coo, async |tx| s::unlink(tx, d2).await)
            .await
            .unwrap();
        assert_eq!(
            s::get_record(&st, d2).await.unwrap().unwrap().missing_id,
            None
        );

        if b == Backend::Sqlite {
            st.pool().close().await;
            let raw = String::from_utf8_lossy(&std::fs::read(st.opts.sqlite_path()).unwrap())
                .to_string()
                + &String::from_utf8_lossy(
                    &std::fs::read(st.opts.sqlite_path().with_extension("db-wal"))
                        .unwrap_or_default(),
                );
            for secret in ["Краснићи", "Dragana", "Prizren"] {
                assert!(!raw.contains(secret), "{secret} in the database file");
            }
        }
    }
}

#[test]
fn matching_across_scripts_without_a_database() {
    let c = s::match_plain(
        &[
            (1, 1, "Jovanović Dragan", "1965-01-02", "Peć"),
            (2, 2, "Драган Јовановић", "1965-01-02", "Пећ"),
            (3, 2, "Milica Petrović", "1990", "Niš"),
            (4, 3, "Hashim Berisha", "1970", "Peja"),
            (5, 1, "Hashim Berisa", "1970-07-07", "Pejë"),
        ],
        0.75,
        10,
    );
    let pairs: Vec<(i64, i64)> = c
        .iter()
        .map(|c| (c.record_id.min(c.other_id), c.record_id.max(c.other_id)))
        .collect();
    assert!(pairs.contains(&(1, 2)), "{c:#?}");
    assert!(pairs.contains(&(4, 5)), "{c:#?}");
    assert!(!pairs.iter().any(|p| p.0 == 3 || p.1 == 3));
}

#[test]
fn money_and_dates() {
    use dignity_store::protection::{cents, currency, day, money};
    assert_eq!(cents("a", "1 500,5").unwrap(), Some(150050));
    assert_eq!(cents("a", "").unwrap(), None);
    assert!(cents("a", "12.345").is_err());
    assert!(cents("a", "-5").is_err());
    assert_eq!(money(Some(150050)), "1500.50");
    assert_eq!(currency("c", "eur").unwrap(), "EUR");
    assert!(currency("c", "euro").is_err());
    assert!(day("d", "2024-02-30").is_err());
    assert_eq!(m::next_statuses("closed"), ["missing"]);
    let _ = d::MIN_SOURCES;
}

#[tokio::test]
async fn person_page_candidates_come_from_keyed_blocking_keys() {
    for b in backends() {
        let (st, doc, ana, coo, cora) = setup(b).await;
        let vocab = Vocab::load(&st).await.unwrap();
        let (case, _, _) = case_with_family(&st, &doc, &vocab, Consent::default(), cora).await;
        let (icrc, comm) = st
            .write(&coo, async |tx| {
                Ok((
                    s::create_source(tx, "ICRC", "red_cross").await?,
                    s::create_source(tx, "Commission", "commission").await?,
                ))
            })
            .await
            .unwrap();
        let mapping = s::guess_mapping(&[
            "external_id".into(),
            "name".into(),
            "birth_date".into(),
            "place".into(),
        ]);
        // Cyrillic script, words in another order, and a first name spelt otherwise (its
        // Soundex differs: found through the surname and the year of birth).
        s::import_list(&st, &coo, icrc, "icrc.csv", &table("external_id,name,birth_date,place\nI-1,Агрон Красничи,1971,Ђаковица\nI-2,Dragana Jovanović,1980,Prizren\nI-3,Krasniqi Agron,1971-05-04,Gjakova\n"), &mapping)
            .await
            .unwrap();
        s::import_list(&st, &coo, comm, "comm.csv", &table("external_id,name,birth_date,place\nC-1,Egron Krasniqi,1971-05-04,Gjakova\nC-2,Petar Nikolić,1965,Peć\n"), &mapping)
            .await
            .unwrap();
        let ext = |c: &[s::Candidate]| -> Vec<String> {
            let mut v: Vec<String> = c.iter().map(|x| x.record_name.clone()).collect();
            v.sort();
            v
        };
        let found = s::candidates_for_case(&st, &coo, case, 0.7, 20)
            .await
            .unwrap();
        assert_eq!(
            ext(&found),
            vec!["Egron Krasniqi", "Krasniqi Agron", "Агрон Красничи"],
            "{found:?}"
        );
        assert!(found
            .iter()
            .all(|c| c.other_kind == "case" && c.other_id == case));
        // The same candidates as the whole-list matching offers for this case.
        let mut all: Vec<String> = s::candidates(&st, &coo, None, 0.7, 5000)
            .await
            .unwrap()
            .into_iter()
            .filter(|c| c.other_kind == "case" && c.other_id == case)
            .map(|c| c.record_name)
            .collect();
        all.sort();
        assert_eq!(all, ext(&found));
        // The sources page goes window by window (here one record per window): together the
        // windows offer what the whole list offers, and each says where the next begins.
        let whole = s::candidates(&st, &coo, None, 0.7, 5000).await.unwrap();
        let mut paged = vec![];
        let mut after = 0;
        let mut windows = 0;
        loop {
            let page = s::candidates_page(&st, &coo, None, after, 1, 0.7)
                .await
                .unwrap();
            assert!(page.records_checked <= 1);
            windows += 1;
            paged.extend(page.items);
            match page.next_after {
                Some(n) => {
                    assert!(n > after);
                    after = n;
                }
                None => break,
            }
        }
        let unlinked: i64 = sqlx::query(
            "SELECT COUNT(*) FROM pro_source_records WHERE current = 1 AND missing_id IS NULL",
        )
        .fetch_one(st.pool())
        .await
        .unwrap()
        .get(0);
        assert_eq!(windows, unlinked);
        let key = |c: &s::Candidate| {
            let (a, b) = if c.other_kind == "case" {
                (c.record_id, -c.other_id)
            } else {
                (c.record_id.min(c.other_id), c.record_id.max(c.other_id))
            };
            (a, b)
        };
        let mut w: Vec<(i64, i64)> = whole.iter().map(key).collect();
        let mut p: Vec<(i64, i64)> = paged.iter().map(key).collect();
        w.sort();
        p.sort();
        p.dedup();
        assert_eq!(w, p);
        assert!(!w.is_empty());
        // Someone who may not see the case gets nothing.
        assert!(s::candidates_for_case(&st, &ana, case, 0.7, 20)
            .await
            .unwrap()
            .is_empty());

        // The keys are keyed hashes: no name, token or Soundex code in clear.
        let keys: Vec<String> = sqlx::query("SELECT key FROM pro_match_keys")
            .fetch_all(st.pool())
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert!(keys.len() >= 5);
        for k in &keys {
            assert!(
                k.len() == 32 && k.bytes().all(|c| c.is_ascii_hexdigit()),
                "{k}"
            );
        }

        // Linking one: it leaves the candidates, and its name now finds others too.
        let rid = record_id(&st, "I-1").await;
        st.write(&coo, async |tx| {
            s::link(tx, rid, case, true).await?;
            Ok(())
        })
        .await
        .unwrap();
        let found = s::candidates_for_case(&st, &coo, case, 0.7, 20)
            .await
            .unwrap();
        assert_eq!(ext(&found), vec!["Egron Krasniqi", "Krasniqi Agron"]);

        // The page's candidates are kept between requests, but never past a change: a
        // new list, a link and an unlink each show at once.
        let third = st
            .write(&coo, async |tx| {
                s::create_source(tx, "Families", "family_association").await
            })
            .await
            .unwrap();
        s::import_list(
            &st,
            &coo,
            third,
            "fam.csv",
            &table(
                "external_id,name,birth_date,place
F-1,Agron Krasniqi,1971-05-04,Gjakova
",
            ),
            &mapping,
        )
        .await
        .unwrap();
        let found = s::candidates_for_case(&st, &coo, case, 0.7, 20)
            .await
            .unwrap();
        assert_eq!(
            ext(&found),
            vec!["Agron Krasniqi", "Egron Krasniqi", "Krasniqi Agron"]
        );
        assert!(found
            .iter()
            .any(|c| c.record_name == "Agron Krasniqi" && c.record_source == "Families"));
        let rid = record_id(&st, "F-1").await;
        st.write(&coo, async |tx| {
            s::link(tx, rid, case, true).await?;
            Ok(())
        })
        .await
        .unwrap();
        assert_eq!(
            ext(&s::candidates_for_case(&st, &coo, case, 0.7, 20)
                .await
                .unwrap()),
            vec!["Egron Krasniqi", "Krasniqi Agron"]
        );
        let rids = [record_id(&st, "F-1").await, record_id(&st, "I-1").await];
        st.write(&coo, async |tx| {
            for rid in rids {
                s::unlink(tx, rid).await?;
            }
            Ok(())
        })
        .await
        .unwrap();
        let found = s::candidates_for_case(&st, &coo, case, 0.7, 20)
            .await
            .unwrap();
        assert_eq!(
            ext(&found),
            vec![
                "Agron Krasniqi",
                "Egron Krasniqi",
                "Krasniqi Agron",
                "Агрон Красничи"
            ]
        );
        // Records imported before the keys existed are keyed once, at start-up (`dignity
        // serve` calls `ensure_match_keys`), audited.
        sqlx::query("DELETE FROM pro_match_keys")
            .execute(st.pool())
            .await
            .unwrap();
        sqlx::query("UPDATE pro_source_records SET keyed = 0")
            .execute(st.pool())
            .await
            .unwrap();
        let current: i64 = sqlx::query("SELECT COUNT(*) FROM pro_source_records")
            .fetch_one(st.pool())
            .await
            .unwrap()
            .get(0);
        assert_eq!(s::ensure_match_keys(&st).await.unwrap() as i64, current);
        let found2 = s::candidates_for_case(&st, &coo, case, 0.7, 20)
            .await
            .unwrap();
        assert_eq!(ext(&found2), ext(&found));
        let left: i64 = sqlx::query("SELECT COUNT(*) FROM pro_source_records WHERE keyed = 0")
            .fetch_one(st.pool())
            .await
            .unwrap()
            .get(0);
        assert_eq!(left, 0);
        assert_eq!(s::ensure_match_keys(&st).await.unwrap(), 0);
        let n: i64 =
            sqlx::query("SELECT COUNT(*) FROM audit_log WHERE action = 'source_record.keys'")
                .fetch_one(st.pool())
                .await
                .unwrap()
                .get(0);
        assert_eq!(n, 1);
    }
}
