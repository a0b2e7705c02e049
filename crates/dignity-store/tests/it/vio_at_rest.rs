//! Violations fields at rest (issue 16): event titles and user-typed dates are encrypted;
//! the event list still filters titles (whole words, through keyed word tokens) and dates
//! (at month precision, through the clear month sort keys), and orders a month's events by
//! their exact dates.

use crate::common;
use dignity_core::{Actor, Role};
use dignity_store::testing::{backends, TestStore};
use dignity_store::violations::{self as v, *};
use dignity_store::Backend;
use sqlx::Row;

async fn setup(b: Backend) -> (TestStore, Actor) {
    let s = common::fresh_store(b).await;
    let d = common::actor(&s, "dora", Role::Documenter).await;
    (s, d)
}

async fn event(s: &TestStore, who: &Actor, title: &str, start: &str) -> i64 {
    let vocab = Vocab::load(s).await.unwrap();
    let mut tx = s.begin(who).await.unwrap();
    let id = create_event(
        &mut tx,
        &vocab,
        &EventInput {
            title: title.into(),
            start_date: start.into(),
            country: Some("PER".into()),
            admin_area: "Cusco".into(),
            confidentiality: "internal".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn titles(s: &TestStore, who: &Actor, f: EventFilter) -> Vec<String> {
    list_events(s, who, &f, 50, 0)
        .await
        .unwrap()
        .1
        .into_iter()
        .map(|e| e.title)
        .collect()
}

fn q(words: &str) -> EventFilter {
    EventFilter {
        q: Some(words.into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn titles_are_encrypted_and_filtered_by_whole_words() {
    for b in backends() {
        let (s, doc) = setup(b).await;
        let id = event(&s, &doc, "Arrests at the march in Cusco", "1987-06-05").await;
        event(&s, &doc, "Raid on the clinic", "1987-06-20").await;
        let row = sqlx::query(
            "SELECT title, title_words, start_date, start_sort, admin_area FROM vio_events WHERE id = $1",
        )
        .bind(id)
        .fetch_one(s.pool())
        .await
        .unwrap();
        let (title, words, date, sort, area): (String, String, String, String, String) =
            (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4));
        for stored in [&title, &date, &area] {
            assert!(stored.starts_with("enc:v2:"), "{b:?}: {stored}");
        }
        assert!(!words.to_lowercase().contains("march"), "{b:?}: {words}");
        assert_eq!(words.split_whitespace().count(), 6, "{b:?}: six words");
        assert_eq!(sort, "1987-06", "{b:?}: the month only stays in clear");
        let e = get_event(&s, id).await.unwrap().unwrap();
        assert_eq!(
            (
                e.title.as_str(),
                e.start_date.as_str(),
                e.admin_area.as_str()
            ),
            ("Arrests at the march in Cusco", "1987-06-05", "Cusco")
        );
        // Every word of the query, in any order and case; whole words only.
        assert_eq!(
            titles(&s, &doc, q("MARCH arrests")).await,
            ["Arrests at the march in Cusco"],
            "{b:?}"
        );
        assert_eq!(titles(&s, &doc, q("the")).await.len(), 2, "{b:?}");
        assert!(titles(&s, &doc, q("marc")).await.is_empty(), "{b:?}");
        assert!(
            titles(&s, &doc, q("march clinic")).await.is_empty(),
            "{b:?}"
        );
        // A changed title is found by its new words only.
        let vocab = Vocab::load(&s).await.unwrap();
        let mut tx = s.begin(&doc).await.unwrap();
        update_event(
            &mut tx,
            &vocab,
            id,
            &EventInput {
                title: "Detentions after the vigil".into(),
                start_date: "1987-06-05".into(),
                confidentiality: "internal".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        assert!(titles(&s, &doc, q("march")).await.is_empty(), "{b:?}");
        assert_eq!(
            titles(&s, &doc, q("vigil")).await,
            ["Detentions after the vigil"]
        );
    }
}

#[tokio::test]
async fn date_filters_compare_months_and_a_month_is_ordered_by_its_exact_days() {
    for b in backends() {
        let (s, doc) = setup(b).await;
        // Entered out of order: the later day first (the lower id).
        event(&s, &doc, "Twentieth", "2024-03-20").await;
        event(&s, &doc, "Fifth", "2024-03-05").await;
        event(&s, &doc, "February", "2024-02-27").await;
        event(&s, &doc, "Year only", "2023").await;
        assert_eq!(
            titles(&s, &doc, EventFilter::default()).await,
            ["Twentieth", "Fifth", "February", "Year only"],
            "{b:?}: newest first, by the exact day within March"
        );
        let range = |from: &str, to: &str| EventFilter {
            from: (!from.is_empty()).then(|| from.to_string()),
            to: (!to.is_empty()).then(|| to.to_string()),
            ..Default::default()
        };
        // "From 2024-03-12" includes all of March (month precision).
        assert_eq!(
            titles(&s, &doc, range("2024-03-12", "")).await,
            ["Twentieth", "Fifth"],
            "{b:?}"
        );
        assert_eq!(
            titles(&s, &doc, range("", "2024-02-01")).await,
            ["February", "Year only"],
            "{b:?}"
        );
        assert_eq!(
            titles(&s, &doc, range("2023", "2023")).await,
            ["Year only"],
            "{b:?}"
        );
    }
}

/// Events an older version stored in clear (title and exact day in clear, a day sort key)
/// are encrypted at serve start, and their titles keyed so that the filter finds them.
#[tokio::test]
async fn events_stored_in_clear_are_encrypted_and_keyed_at_start() {
    for b in backends() {
        let (s, doc) = setup(b).await;
        let mut tx = s.begin(&doc).await.unwrap();
        sqlx::query(
            "INSERT INTO vio_events (title, start_date, start_sort, admin_area, country, confidentiality, published, created_at, updated_at) \
             VALUES ('Shots fired at the vigil', '1987-06-05', '1987-06', 'Cusco', 'PER', 'internal', 0, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
        )
        .execute(tx.conn())
        .await
        .unwrap();
        tx.audit("test.old", EVENT, "old", None, None, serde_json::json!({}));
        tx.commit().await.unwrap();
        dignity_store::at_rest::encrypt_clear_fields(&s)
            .await
            .unwrap();
        assert_eq!(v::fill_title_words(&s).await.unwrap(), 1, "{b:?}");
        assert_eq!(v::fill_title_words(&s).await.unwrap(), 0, "{b:?}: once");
        let stored: String = sqlx::query("SELECT title FROM vio_events")
            .fetch_one(s.pool())
            .await
            .unwrap()
            .get(0);
        assert!(stored.starts_with("enc:v2:"), "{b:?}: {stored}");
        let (_, rows) = list_events(&s, &doc, &q("vigil shots"), 10, 0)
            .await
            .unwrap();
        assert_eq!(rows.len(), 1, "{b:?}");
        assert_eq!(
            (rows[0].title.as_str(), rows[0].start_date.as_str()),
            ("Shots fired at the vigil", "1987-06-05")
        );
    }
}
