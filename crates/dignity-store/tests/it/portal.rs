//! Publications and publishing rules of the public portal, on every backend.

use crate::common;
use dignity_core::Role;
use dignity_store::testing::{backends, store};
use dignity_store::{portal, StoreError};

#[tokio::test]
async fn publications_are_validated_replaced_and_admin_only() {
    for b in backends() {
        let s = store(b).await;
        let adam = common::actor(&s, "adam", Role::Admin).await;
        let cora = common::actor(&s, "cora", Role::Coordinator).await;

        // The annual report in English, published by adam.
        let publish = async |html: &str| {
            s.write(&adam, async |tx| {
                portal::publish_snapshot(tx, "report", "annual-2025", "Annual report", "en", html)
                    .await
            })
            .await
            .unwrap()
        };
        let id = publish("<p>v1</p>").await;
        // Publishing the same slug and language again replaces the snapshot.
        let id2 = publish("<p>v2</p>").await;
        assert_eq!(id, id2, "{b:?}");
        let p = portal::publication(&s, "annual-2025", "fr")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(p.html, "<p>v2</p>", "falls back to English");
        assert_eq!(p.published_by, adam.user_id);
        assert_eq!(portal::publications(&s).await.unwrap().len(), 1);

        // Bad input is refused with the field named, and nothing is written.
        for (kind, slug, title, lang, field) in [
            ("poster", "x", "T", "en", "kind"),
            ("report", "Bad Slug", "T", "en", "slug"),
            ("report", "ok", " ", "en", "title"),
            ("report", "ok", "T", "de", "lang"),
        ] {
            let e = s
                .write(&adam, async |tx| {
                    portal::publish_snapshot(tx, kind, slug, title, lang, "").await
                })
                .await
                .unwrap_err();
            assert!(
                matches!(&e, StoreError::Rejected(dignity_core::Invalid { field: f, .. }) if f == field),
                "{e}"
            );
        }
        // Only administrators publish.
        let e = s
            .write(&cora, async |tx| {
                portal::publish_snapshot(tx, "report", "c", "T", "en", "").await
            })
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Rejected(_)));
        assert_eq!(portal::publications(&s).await.unwrap().len(), 1);
        // People's records can never be published.
        let e = s
            .write(&adam, async |tx| {
                portal::set_published(tx, dignity_core::RecordType::Person, 1, true).await
            })
            .await
            .unwrap_err();
        assert!(
            matches!(&e, StoreError::Rejected(dignity_core::Invalid { field: f, .. }) if f == "record_type"),
            "{e}"
        );

        assert!(s
            .write(&adam, async |tx| portal::unpublish_snapshot(tx, id).await)
            .await
            .unwrap());
        assert!(portal::publication(&s, "annual-2025", "en")
            .await
            .unwrap()
            .is_none());
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action IN ('publication.publish', 'publication.unpublish')",
        )
        .fetch_one(s.pool())
        .await
        .unwrap();
        assert_eq!(n, 3);
    }
}

mod dashboards {
    use dignity_core::{Actor, Role};
    use dignity_store::reports::{self, DashFilter};
    use dignity_store::testing::{backends, fixtures, store, TestStore};
    use dignity_store::violations::*;
    use dignity_store::{portal, StoreError};

    const TORTURE: &str = "02011111000004";

    async fn user(s: &TestStore, name: &str, role: Role) -> Actor {
        crate::common::actor(s, name, role).await
    }

    /// An event in Serbia with one act of torture; `act_level` empty: the event's level.
    async fn event(s: &TestStore, who: &Actor, level: &str, act_level: &str, victim: i64) -> i64 {
        let vocab = Vocab::load(s).await.unwrap();
        let mut tx = s.begin(who).await.unwrap();
        let input = EventInput {
            title: format!("A {level} event"),
            start_date: "2025-03-01".into(),
            country: Some("SRB".into()),
            confidentiality: level.into(),
            ..Default::default()
        };
        let e = create_event(&mut tx, &vocab, &input).await.unwrap();
        fixtures::add_act(
            &mut tx,
            &vocab,
            (e, victim),
            TORTURE,
            "2025-03-01",
            act_level,
        )
        .await;
        tx.commit().await.unwrap();
        e
    }

    /// `sql` run on the act `act` (its one parameter) through the audited write path, as
    /// every change in the product, audited as a `record.update` of the act.
    async fn update_act(s: &TestStore, who: &Actor, act: i64, sql: &str) {
        s.write(who, async |tx| {
            sqlx::query(sql).bind(act).execute(tx.conn()).await?;
            tx.audit(
                "record.update",
                "vio_acts",
                &act.to_string(),
                None,
                None,
                serde_json::json!({}),
            );
            Ok(())
        })
        .await
        .unwrap();
    }

    async fn public_total(s: &TestStore, slug: &str) -> Option<i64> {
        let d = portal::public_dashboard(s, slug).await.unwrap()?;
        Some(
            portal::public_dashboard_counts(s, &d, "en")
                .await
                .unwrap()
                .total,
        )
    }

    #[tokio::test]
    async fn public_dashboards_count_only_published_public_acts_and_can_be_unpublished() {
        for b in backends() {
            let s = store(b).await;
            dignity_store::refdata::load_shipped(&s).await.unwrap();
            let adam = user(&s, "adam", Role::Admin).await;
            let dora = user(&s, "dora", Role::Documenter).await;
            let vocab = Vocab::load(&s).await.unwrap();
            let mut tx = s.begin(&dora).await.unwrap();
            let victim = crate::common::adult_woman(&mut tx, &vocab, "Ana Jovanović", "").await;
            tx.commit().await.unwrap();

            let published = event(&s, &dora, "public", "", victim).await;
            let with_confidential_act = event(&s, &dora, "public", "confidential", victim).await;
            let unpublished = event(&s, &dora, "public", "", victim).await;
            let confidential = event(&s, &dora, "confidential", "", victim).await;
            for e in [published, with_confidential_act] {
                s.write(&adam, async |tx| {
                    portal::set_published(tx, dignity_core::RecordType::Event, e, true).await
                })
                .await
                .unwrap();
            }
            // A confidential event cannot be published; even forced in the database, it
            // and its act never count.
            let e = s
                .write(&adam, async |tx| {
                    portal::set_published(tx, dignity_core::RecordType::Event, confidential, true)
                        .await
                })
                .await
                .unwrap_err();
            assert!(matches!(e, StoreError::Rejected(_)), "{e}");
            sqlx::query("UPDATE vio_events SET published = 1 WHERE id = $1")
                .bind(confidential)
                .execute(s.pool())
                .await
                .unwrap();
            sqlx::query("UPDATE vio_acts SET published = 1 WHERE event_id = $1")
                .bind(confidential)
                .execute(s.pool())
                .await
                .unwrap();

            assert!(
                !portal::is_public(&s, dignity_core::RecordType::Event, unpublished)
                    .await
                    .unwrap()
            );

            // Only administrators publish dashboards; the title is required.
            let e = s
                .write(&dora, async |tx| {
                    portal::publish_dashboard(tx, "Torture in Serbia", "country=SRB").await
                })
                .await
                .unwrap_err();
            assert!(matches!(e, StoreError::Rejected(_)), "{e}");
            let e = s
                .write(&adam, async |tx| {
                    portal::publish_dashboard(tx, "  ", "country=SRB").await
                })
                .await
                .unwrap_err();
            assert!(
                matches!(&e, StoreError::Rejected(dignity_core::Invalid { field, .. }) if field == "title"),
                "{e}"
            );
            let (id, slug) = s
                .write(&adam, async |tx| {
                    portal::publish_dashboard(
                        tx,
                        "Torture in Serbia, 2025",
                        "country=SRB&act_type=02011111000004&bogus=1",
                    )
                    .await
                })
                .await
                .unwrap();
            assert_eq!(slug, "dashboard-torture-in-serbia-2025", "{b:?}");
            let d = portal::public_dashboard(&s, &slug).await.unwrap().unwrap();
            assert_eq!(d.filter, "country=SRB&act_type=02011111000004");
            assert_eq!(d.published_by, adam.user_id);

            // Their author sees all four acts; the public only the act of the published event.
            let f = DashFilter::parse(&d.filter);
            let staff = reports::dashboard(&s, &dora, &f, "en").await.unwrap();
            assert_eq!(staff.total, 4, "{b:?}");
            let public = portal::public_dashboard_counts(&s, &d, "en").await.unwrap();
            assert_eq!(public.total, 1, "{b:?}");
            assert_eq!(public.by_country.len(), 1);
            assert_eq!(public.by_country[0].count, 1);
            assert_eq!(public.by_year.iter().map(|c| c.count).sum::<i64>(), 1);
            assert_eq!(public.by_act_type.iter().map(|c| c.count).sum::<i64>(), 1);

            // An act of the published event made confidential leaves the public counts.
            let act: i64 = sqlx::query_scalar("SELECT id FROM vio_acts WHERE event_id = $1")
                .bind(published)
                .fetch_one(s.pool())
                .await
                .unwrap();
            // Through the audited write path, as every change in the product (the
            // dashboard's counts are kept until the next audited change).
            update_act(
                &s,
                &adam,
                act,
                "UPDATE vio_acts SET confidentiality = 'confidential' WHERE id = $1",
            )
            .await;
            assert_eq!(public_total(&s, &slug).await, Some(0), "{b:?}");
            // Through the audited write path, as every change in the product (the
            // dashboard's counts are kept until the next audited change).
            update_act(
                &s,
                &adam,
                act,
                "UPDATE vio_acts SET confidentiality = 'public' WHERE id = $1",
            )
            .await;
            assert_eq!(public_total(&s, &slug).await, Some(1), "{b:?}");

            // Unpublishing the event unpublishes its acts (audited) and empties the counts.
            s.write(&adam, async |tx| {
                portal::set_published(tx, dignity_core::RecordType::Event, published, false).await
            })
            .await
            .unwrap();
            assert_eq!(public_total(&s, &slug).await, Some(0), "{b:?}");
            let n: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM audit_log WHERE record_type = 'vio_acts' AND action IN ('record.publish', 'record.unpublish')",
            )
            .fetch_one(s.pool())
            .await
            .unwrap();
            assert_eq!(n, 2, "published with the event, then unpublished with it");
            assert_eq!(
                portal::published_since(&s, dignity_core::RecordType::Event, published)
                    .await
                    .unwrap(),
                None
            );
            assert!(portal::published_since(
                &s,
                dignity_core::RecordType::Event,
                with_confidential_act
            )
            .await
            .unwrap()
            .is_some());

            // Unpublishing the dashboard removes it (audited).
            assert!(s
                .write(&adam, async |tx| portal::unpublish_dashboard(tx, id).await)
                .await
                .unwrap());
            assert_eq!(public_total(&s, &slug).await, None);
            assert!(portal::public_dashboards(&s).await.unwrap().is_empty());
            let n: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM audit_log WHERE record_type = 'portal_dashboard'",
            )
            .fetch_one(s.pool())
            .await
            .unwrap();
            assert_eq!(n, 2, "{b:?}");
        }
    }

    #[test]
    fn slugs_of_dashboards() {
        assert_eq!(
            portal::dashboard_slug("Torture — Serbia (2025)", ""),
            "dashboard-torture-serbia-2025"
        );
        let a = portal::dashboard_slug("التعذيب", "country=SYR");
        assert!(a.starts_with("dashboard-") && a.len() == "dashboard-".len() + 8);
        assert_eq!(a, portal::dashboard_slug("пытки", "country=SYR"));
    }
}
