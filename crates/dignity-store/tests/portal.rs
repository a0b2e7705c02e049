//! Publications and publishing rules of the public portal, on every backend.

use dignity_core::{Actor, Role};
use dignity_store::testing::{backends, store};
use dignity_store::{accounts, portal, StoreError};

#[tokio::test]
async fn publications_are_validated_replaced_and_admin_only() {
    for b in backends() {
        let s = store(b).await;
        let mut tx = s.begin(&Actor::system()).await.unwrap();
        let adm = accounts::create(&mut tx, "adam", "", Role::Admin, "a long enough passphrase")
            .await
            .unwrap();
        let coo = accounts::create(
            &mut tx,
            "cora",
            "",
            Role::Coordinator,
            "a long enough passphrase",
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let adam = accounts::actor_for(&s, &adm).await.unwrap();
        let cora = accounts::actor_for(&s, &coo).await.unwrap();

        let id = s
            .write(&adam, async |tx| {
                portal::publish_snapshot(
                    tx,
                    "report",
                    "annual-2025",
                    "Annual report",
                    "en",
                    "<p>v1</p>",
                )
                .await
            })
            .await
            .unwrap();
        // Publishing the same slug and language again replaces the snapshot.
        let id2 = s
            .write(&adam, async |tx| {
                portal::publish_snapshot(
                    tx,
                    "report",
                    "annual-2025",
                    "Annual report",
                    "en",
                    "<p>v2</p>",
                )
                .await
            })
            .await
            .unwrap();
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
                matches!(&e, StoreError::Invalid { field: f, .. } if f == field),
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
        assert!(matches!(e, StoreError::Invalid { .. }));
        assert_eq!(portal::publications(&s).await.unwrap().len(), 1);
        // People's records can never be published.
        let e = s
            .write(&adam, async |tx| {
                portal::set_published(tx, "vio_persons", 1, true).await
            })
            .await
            .unwrap_err();
        assert!(
            matches!(&e, StoreError::Invalid { field: f, .. } if f == "record_type"),
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
