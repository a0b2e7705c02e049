//! Documenting a case in the ESF model, refusing bad input, and editing acts, involvements and
//! information.

use super::*;

#[tokio::test]
async fn who_did_what_to_whom() {
    for b in backends() {
        let (s, doc, ana, _) = setup(b).await;
        let c = document_case(&s, &doc).await;
        let acts = acts_of_event(&s, &doc, c.event).await.unwrap();
        assert_eq!(acts.len(), 2, "{b:?}");
        assert_eq!(acts[0].kind, "detention");
        assert_eq!(acts[1].kind, "torture");
        // Independent sources: the witness (on the event) for both, the victim for act 2.
        assert_eq!(acts[0].sources, 1);
        assert_eq!(acts[1].sources, 2);
        let inv = involvements(&s, &doc, c.act1).await.unwrap();
        assert_eq!(inv.len(), 1);
        assert_eq!(inv[0].perpetrator, "Special Operations Unit");
        // A torture act puts the event under the torture lens.
        let e = get_event(&s, c.event).await.unwrap().unwrap();
        assert_eq!(e.lenses, ["torture"]);
        assert_eq!(e.place, "Calle Hatun Rumiyoq 12");
        assert_eq!(
            person_roles(&s, &doc, c.victim).await.unwrap(),
            ["victim", "source"]
        );
        assert_eq!(
            person_roles(&s, &doc, c.perp).await.unwrap(),
            ["perpetrator"]
        );
        // The victim is confidential by default: the analyst (not on the list) may not read
        // the person at all (not found, not a pseudonymised copy); where a name is shown
        // (a list of an act the analyst may read), it is the pseudonym.
        assert!(person_for(&s, &ana, c.victim).await.unwrap().is_none());
        assert!(display_name(&s, &ana, c.victim)
            .await
            .unwrap()
            .starts_with("P-"));
        assert_eq!(
            display_name(&s, &doc, c.victim).await.unwrap(),
            "Amaru Quispe Mamani"
        );
        // Exact-name look-up through the blind index, in any word order and case.
        let (n, found) = list_persons(&s, &doc, Some("mamani QUISPE amaru"), None, 10, 0)
            .await
            .unwrap();
        assert_eq!((n, found[0].id), (1, c.victim));
        let (n, _) = list_persons(&s, &doc, Some("Амару Киспе"), None, 10, 0)
            .await
            .unwrap();
        assert_eq!(n, 1, "other names are indexed too");
        let dups = possible_duplicates(&s, &doc, "Amaru  Quispe-Mamani", &[])
            .await
            .unwrap();
        assert_eq!(dups.len(), 1, "{b:?}: duplicate warning");
        // Chains of events and relationships.
        let vocab = Vocab::load(&s).await.unwrap();
        let mut tx = s.begin(&doc).await.unwrap();
        let e2 = create_event(
            &mut tx,
            &vocab,
            &EventInput {
                title: "Protest".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        link_events(&mut tx, &vocab, e2, c.event, PRECEDES)
            .await
            .unwrap();
        link_persons(&mut tx, &vocab, c.victim, c.source, SPOUSE, "2015", "")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(event_links(&s, &doc, c.event).await.unwrap().len(), 1);
        assert_eq!(person_links(&s, &doc, c.source).await.unwrap().len(), 1);
        let report = dignity_store::audit::verify_log(&s).await.unwrap();
        assert!(report.ok(), "{:?}", report.problems);
    }
}

/// Creating the act `input` as `who`, in a transaction of its own, which must fail: the
/// error, the transaction rolled back.
async fn act_refused(s: &TestStore, who: &Actor, vocab: &Vocab, input: ActInput) -> StoreError {
    let mut tx = s.begin(who).await.unwrap();
    let e = create_act(&mut tx, vocab, &input).await.unwrap_err();
    tx.rollback().await.unwrap();
    e
}

/// Creating an event with these dates as `who`, in a transaction of its own, which must fail:
/// the error, the transaction rolled back.
async fn dates_refused(
    s: &TestStore,
    who: &Actor,
    vocab: &Vocab,
    start: &str,
    end: &str,
) -> StoreError {
    let input = EventInput {
        title: "x".into(),
        start_date: start.into(),
        end_date: end.into(),
        ..Default::default()
    };
    let mut tx = s.begin(who).await.unwrap();
    let e = create_event(&mut tx, vocab, &input).await.unwrap_err();
    tx.rollback().await.unwrap();
    e
}

#[tokio::test]
async fn bad_input_is_refused_with_clear_errors_and_nothing_half_written() {
    for b in backends() {
        let (s, doc, _, _) = setup(b).await;
        let c = document_case(&s, &doc).await;
        let vocab = Vocab::load(&s).await.unwrap();
        let before = (
            count(&s, "vio_acts").await,
            count(&s, "vio_events").await,
            count(&s, "audit_log").await,
        );
        let field_of = |e: StoreError| match e {
            StoreError::Rejected(e) => (e.field.to_string(), e.message()),
            e => panic!("not a validation error: {e}"),
        };
        // An act without a victim.
        let e = act_refused(
            &s,
            &doc,
            &vocab,
            ActInput {
                event_id: c.event,
                act_type: ARREST.into(),
                ..Default::default()
            },
        )
        .await;
        assert_eq!(field_of(e).0, "victim_id");
        // Dates out of order.
        let e = dates_refused(&s, &doc, &vocab, "2024-05", "2024-04-30").await;
        // A rule of core, typed: the web layer translates it by its key.
        assert!(
            matches!(&e, StoreError::Rejected(r) if matches!(r.problem,
                dignity_core::Problem::Rule { key: "vio.rule.end_before_start", .. })),
            "{e}"
        );
        let (f, m) = field_of(e);
        assert_eq!(f, "end_date");
        assert!(m.contains("before the start"), "{m}");
        // An impossible date.
        let e = dates_refused(&s, &doc, &vocab, "2023-02-29", "").await;
        assert_eq!(field_of(e).0, "start_date");
        // Unknown vocabulary codes, and a code from the wrong list.
        let mut tx = s.begin(&doc).await.unwrap();
        let on_the_victim = ActInput {
            event_id: c.event,
            victim_id: Some(c.victim),
            ..Default::default()
        };
        let e = create_act(
            &mut tx,
            &vocab,
            &ActInput {
                act_type: "99999999999904".into(),
                ..on_the_victim.clone()
            },
        )
        .await
        .unwrap_err();
        let (f, m) = field_of(e);
        assert_eq!(f, "act_type");
        assert!(m.contains("micro-thesaurus 4"), "{m}");
        let e = create_act(
            &mut tx,
            &vocab,
            &ActInput {
                act_type: ARREST.into(),
                methods: vec![FEMALE.into()],
                ..on_the_victim
            },
        )
        .await
        .unwrap_err();
        assert_eq!(field_of(e).0, "methods");
        // A victim that does not exist, after a successful write in the same transaction:
        // the caller drops the transaction, and the first write is gone too.
        create_event(
            &mut tx,
            &vocab,
            &EventInput {
                title: "half".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let e = create_act(
            &mut tx,
            &vocab,
            &ActInput {
                event_id: c.event,
                victim_id: Some(999_999),
                act_type: ARREST.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
        assert_eq!(field_of(e).0, "victim_id");
        drop(tx);
        // An analyst cannot create records at all.
        let ana = Actor {
            user_id: Some(99),
            username: "x".into(),
            role: Role::Analyst,
            teams: vec![],
        };
        let mut tx = s.begin(&ana).await.unwrap();
        assert!(create_event(
            &mut tx,
            &vocab,
            &EventInput {
                title: "x".into(),
                ..Default::default()
            }
        )
        .await
        .is_err());
        tx.rollback().await.unwrap();
        let after = (
            count(&s, "vio_acts").await,
            count(&s, "vio_events").await,
            count(&s, "audit_log").await,
        );
        assert_eq!(before, after, "{b:?}: nothing half-written");
    }
}

#[tokio::test]
async fn edits_of_acts_involvements_and_information_are_validated_audited_and_versioned() {
    for b in backends() {
        let (s, doc, _, _) = setup(b).await;
        let c = document_case(&s, &doc).await;
        let vocab = Vocab::load(&s).await.unwrap();
        let v0 = current_version(&s, ACT, c.act1).await.unwrap().unwrap();
        let before = get_act(&s, c.act1).await.unwrap().unwrap();
        let edit = ActInput {
            victim_id: Some(c.victim),
            act_type: TORTURE.into(),
            start_date: "2024-03-05".into(),
            end_date: "2024-03-06".into(),
            consequences: "Two broken ribs".into(),
            medical_attention: Some("nonsense".into()),
            confidentiality: "internal".into(),
            ..Default::default()
        };
        // An unknown code: refused, nothing changed, no audit entry.
        let audits = count(&s, "audit_log").await;
        let mut tx = s.begin(&doc).await.unwrap();
        check_version(&mut tx, ACT, c.act1, &v0).await.unwrap();
        let e = update_act(&mut tx, &vocab, c.act1, &edit)
            .await
            .unwrap_err();
        drop(tx);
        assert!(
            matches!(&e, StoreError::Rejected(r) if r.field == "medical_attention"),
            "{b:?}: {e}"
        );
        assert_eq!(count(&s, "audit_log").await, audits);
        assert_eq!(
            get_act(&s, c.act1).await.unwrap().unwrap().act_type,
            before.act_type
        );
        // Dates out of order are refused too.
        let mut tx = s.begin(&doc).await.unwrap();
        let bad = ActInput {
            medical_attention: None,
            end_date: "2024-03-01".into(),
            ..edit.clone()
        };
        assert!(update_act(&mut tx, &vocab, c.act1, &bad).await.is_err());
        drop(tx);
        // A good edit, on the version it was opened on.
        let good = ActInput {
            medical_attention: None,
            ..edit.clone()
        };
        let mut tx = s.begin(&doc).await.unwrap();
        check_version(&mut tx, ACT, c.act1, &v0).await.unwrap();
        update_act(&mut tx, &vocab, c.act1, &good).await.unwrap();
        tx.commit().await.unwrap();
        let after = get_act(&s, c.act1).await.unwrap().unwrap();
        assert_eq!(
            (
                after.act_type.as_str(),
                after.end_date.as_str(),
                after.consequences.as_str()
            ),
            (TORTURE, "2024-03-06", "Two broken ribs")
        );
        assert_eq!(after.event_id, before.event_id, "an act keeps its event");
        assert!(
            get_event(&s, c.event)
                .await
                .unwrap()
                .unwrap()
                .lenses
                .contains(&"torture".to_string()),
            "the torture lens follows the new type"
        );
        let row = sqlx::query(
            "SELECT before_hash, after_hash FROM audit_log WHERE action = 'act.update' AND record_id = $1",
        )
        .bind(c.act1.to_string())
        .fetch_one(s.pool())
        .await
        .unwrap();
        assert!(
            row.get::<Option<String>, _>(0).is_some() && row.get::<Option<String>, _>(1).is_some()
        );
        // The form opened before that save is now stale: refused before anything is written.
        let mut tx = s.begin(&doc).await.unwrap();
        let e = check_version(&mut tx, ACT, c.act1, &v0).await.unwrap_err();
        drop(tx);
        assert!(matches!(&e, StoreError::Rejected(r) if r.field == VERSION_FIELD));
        assert_ne!(current_version(&s, ACT, c.act1).await.unwrap().unwrap(), v0);

        // An involvement: the degree changes, an unknown perpetrator is refused.
        let inv: i64 = sqlx::query("SELECT id FROM vio_involvements WHERE act_id = $1")
            .bind(c.act1)
            .fetch_one(s.pool())
            .await
            .unwrap()
            .get(0);
        let mut tx = s.begin(&doc).await.unwrap();
        let e = update_involvement(
            &mut tx,
            &vocab,
            inv,
            &InvolvementInput {
                perpetrator_id: 999_999,
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
        drop(tx);
        assert!(matches!(&e, StoreError::Rejected(r) if r.field == "perpetrator_id"));
        let mut tx = s.begin(&doc).await.unwrap();
        update_involvement(
            &mut tx,
            &vocab,
            inv,
            &InvolvementInput {
                perpetrator_id: c.perp,
                degree: Some(DIRECT.into()),
                perpetrator_type: Some(GOVERNMENT.into()),
                latest_status: None,
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            get_involvement(&s, inv)
                .await
                .unwrap()
                .unwrap()
                .degree
                .as_deref(),
            Some(DIRECT)
        );

        // Information: moved onto the act, remarks kept encrypted.
        let info: i64 =
            sqlx::query("SELECT id FROM vio_information WHERE event_id = $1 ORDER BY id")
                .bind(c.event)
                .fetch_one(s.pool())
                .await
                .unwrap()
                .get(0);
        let mut tx = s.begin(&doc).await.unwrap();
        update_information(
            &mut tx,
            &vocab,
            info,
            &InformationInput {
                source_id: c.source,
                act_id: Some(c.act2),
                reliability: Some(RELIABLE.into()),
                info_date: "2024-03".into(),
                remarks: "Met in the market".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let i = get_information(&s, info).await.unwrap().unwrap();
        assert_eq!(
            (i.act_id, i.event_id, i.remarks.as_str()),
            (Some(c.act2), Some(c.event), "Met in the market")
        );
        let raw: String = sqlx::query("SELECT remarks FROM vio_information WHERE id = $1")
            .bind(info)
            .fetch_one(s.pool())
            .await
            .unwrap()
            .get(0);
        assert!(!raw.contains("market"));
    }
}
