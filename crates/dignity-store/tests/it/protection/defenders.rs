//! Defenders: profile, attacks with the SDG fields and the two-sources rule, risk history, measures
//! and check-ins.

use super::*;

/// Measure `id` moved to the step `input`, written by `who`.
async fn advance(
    st: &TestStore,
    who: &Actor,
    id: i64,
    input: MeasureStatusInput,
) -> Result<(), StoreError> {
    st.write(who, async |tx| advance_measure(tx, id, &input).await)
        .await
}

/// The step to `status` on `on_date`, with nothing else set.
fn step(status: &str, on_date: &str) -> MeasureStatusInput {
    MeasureStatusInput {
        status: status.into(),
        on_date: on_date.into(),
        ..Default::default()
    }
}

/// The attack `input`, recorded by `who`: its id.
async fn recorded_attack(st: &TestStore, who: &Actor, vocab: &Vocab, input: AttackInput) -> i64 {
    st.write(who, async |tx| record_attack(tx, vocab, &input).await)
        .await
        .unwrap()
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
                person: dignity_store::protection::NewPerson {
                    name: "Berta Flores Cáceres".into(),
                    sex: Some(FEMALE.into()),
                    age_group: "adult".into(),
                    ..Default::default()
                },
                profile: dignity_store::protection::defenders::DefenderProfile {
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
        assert_eq!(seen.profile.whereabouts, "Safe house near La Esperanza");
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
        let attack = recorded_attack(
            &st,
            &doc,
            &vocab,
            AttackInput {
                facts: dignity_store::protection::defenders::AttackFacts {
                    defender_id: id,
                    attack_type: "un_reprisal".into(),
                    date: "2024-02-10".into(),
                    perpetrator_category: "state_actor".into(),
                    motive: "work_related".into(),
                    ..Default::default()
                },
                place: "La Esperanza".into(),
                source_ids: vec![src1],
                ..Default::default()
            },
        )
        .await;
        let list = attacks_of(&st, &doc, id).await.unwrap();
        assert_eq!(list.len(), 1);
        assert!(list[0].facts.un_reprisal, "flagged as a reprisal");
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
                    facts: dignity_store::protection::defenders::AttackFacts {
                        defender_id: id,
                        attack_type: "nope".into(),
                        date: "2024-01-01".into(),
                        ..Default::default()
                    },
                    ..Default::default()
                },
                "attack_type",
            ),
            (
                AttackInput {
                    facts: dignity_store::protection::defenders::AttackFacts {
                        defender_id: id,
                        attack_type: "threats".into(),
                        date: "2999-01-01".into(),
                        ..Default::default()
                    },
                    ..Default::default()
                },
                "date",
            ),
            (
                AttackInput {
                    facts: dignity_store::protection::defenders::AttackFacts {
                        defender_id: id,
                        attack_type: "threats".into(),
                        date: "2024-01-01".into(),
                        perpetrator_category: "aliens".into(),
                        ..Default::default()
                    },
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
            h.iter()
                .map(|r| r.assessment.level.as_str())
                .collect::<Vec<_>>(),
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
        let e = advance(&st, &coo, mid, step("delivered", "2024-02-20"))
            .await
            .unwrap_err();
        assert_eq!(rule(&e), "pro.def.measure_next");
        assert_eq!(invalid_field(e), "status");
        advance(&st, &coo, mid, step("approved", "2024-02-20"))
            .await
            .unwrap();
        let e = advance(&st, &coo, mid, step("delivered", "2024-02-01"))
            .await
            .unwrap_err();
        assert_eq!(rule(&e), "pro.def.step_out_of_order");
        assert_eq!(invalid_field(e), "on_date", "out of order");
        advance(
            &st,
            &coo,
            mid,
            MeasureStatusInput {
                cost: "4 800,00".into(),
                cost_currency: "eur".into(),
                ..step("delivered", "2024-03-01")
            },
        )
        .await
        .unwrap();
        let e = advance(&st, &coo, mid, step("closed", "2024-12-01"))
            .await
            .unwrap_err();
        assert_eq!(rule(&e), "pro.def.outcome_required");
        assert_eq!(invalid_field(e), "outcome");
        advance(
            &st,
            &coo,
            mid,
            MeasureStatusInput {
                outcome: "Returned safely".into(),
                ..step("closed", "2024-12-01")
            },
        )
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
        let k = recorded_attack(
            &st,
            &doc,
            &vocab,
            AttackInput {
                facts: dignity_store::protection::defenders::AttackFacts {
                    defender_id: id,
                    attack_type: "killing".into(),
                    date: "2024-03-02".into(),
                    perpetrator_category: "business".into(),
                    motive: "work_related".into(),
                    ..Default::default()
                },
                source_ids: vec![src1, src2],
                ..Default::default()
            },
        )
        .await;
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
            profile: dignity_store::protection::defenders::DefenderProfile {
                memorial_consent: false,
                areas: def.profile.areas.clone(),
                contact_user: Some(cora),
                ..Default::default()
            },
            ..Default::default()
        };
        upd.profile.organisation = def.profile.organisation.clone();
        st.write(&coo, async |tx| update_defender(tx, &vocab, id, &upd).await)
            .await
            .unwrap();
        assert!(reports::memorial(&st).await.unwrap().is_empty());

        // Encrypted at rest: contact, whereabouts, organisation, risk notes are not in the file.
        if b == Backend::Sqlite {
            st.pool().close().await;
            let raw = common::sqlite_file_text(&st);
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
