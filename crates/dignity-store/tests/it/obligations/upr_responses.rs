//! UPR recommendations (issue 17 item 8): the typed responses (supported, noted, partially
//! supported, pending) and UPR Info's action categories are stored, filtered and counted;
//! a file with a spelling the importer does not know writes nothing.

use super::*;

const HEADER: &str =
    "To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session\n";

/// Kenya: 2 supported (actions 5 and 5), 1 noted (action 1), 1 pending (action 3),
/// 1 without action; Chile: 1 supported (action 4).
const ROWS: &str =
    "Kenya,,,Adopt the law on torture.,France,,,Accepted,5,Torture and other CID treatment,9\n\
Kenya,,,Ratify the OP-CAT.,Chile,,,Accepted,5,International instruments,9\n\
Kenya,,,Continue its efforts.,Egypt,,,Noted,1,General,9\n\
Kenya,,,Consider a moratorium.,Italy,,,,3,Death penalty,9\n\
Kenya,,,Strengthen the NHRI.,Peru,,,Accepted,,NHRI,9\n\
Chile,,,Take measures for migrants.,Kenya,,,Accepted,4,Migrants,5\n";

async fn imported(s: &TestStore) {
    let resolver = ob::country_resolver(s).await.unwrap();
    let p = rules::parse_upr_info(
        &Table::from_csv(&format!("{HEADER}{ROWS}")).unwrap(),
        &resolver,
    );
    assert!(p.rejected.is_empty(), "{:?}", p.rejected);
    let sum = recs::import(s, &Actor::system(), p.records, p.rejected, false, &|_| {})
        .await
        .unwrap();
    assert_eq!(sum.created, 6);
}

fn counts(v: &[recs::FacetValue]) -> Vec<(String, i64)> {
    let mut out: Vec<_> = v.iter().map(|f| (f.value.clone(), f.count)).collect();
    out.sort();
    out
}

fn pairs(v: &[(&str, i64)]) -> Vec<(String, i64)> {
    v.iter().map(|(k, n)| (k.to_string(), *n)).collect()
}

#[tokio::test]
async fn responses_and_action_categories_are_filtered_and_counted() {
    for b in backends() {
        let s = fresh(b).await;
        imported(&s).await;
        let anon = Actor::anonymous();
        let search = |f: RecFilter| {
            let s = &s;
            let anon = &anon;
            async move { recs::search(s, anon, &f, true).await.unwrap() }
        };
        let all = search(RecFilter::default()).await;
        let f = all.facets.unwrap();
        assert_eq!(
            counts(&f.position),
            pairs(&[("noted", 1), ("pending", 1), ("supported", 4)])
        );
        assert_eq!(
            counts(&f.action),
            pairs(&[("1", 1), ("3", 1), ("4", 1), ("5", 2)])
        );

        // One item: the number and the label of its category, from the data file.
        let p = search(RecFilter {
            q: Some("moratorium".into()),
            ..Default::default()
        })
        .await;
        let r = &p.items[0];
        assert_eq!(r.position, "pending");
        assert_eq!(r.upr_action, Some(3));
        assert_eq!(r.upr_action_label.as_deref(), Some("Considering action"));

        // Filters: one category, several (OR), none; a response; with a country.
        let by = |action: &str| RecFilter {
            action: Some(action.into()),
            ..Default::default()
        };
        assert_eq!(search(by("5")).await.total, 2);
        assert_eq!(search(by("none")).await.total, 1);
        assert_eq!(search(by("nine")).await.total, 0);
        let mut two = by("5");
        two.also = vec![("action".into(), "1".into())];
        assert_eq!(search(two).await.total, 3);
        let f = RecFilter {
            country: Some("KEN".into()),
            position: Some("supported".into()),
            action: Some("5".into()),
            ..Default::default()
        };
        let p = search(f).await;
        assert_eq!(p.total, 2);
        // With the category chosen, its facet still counts every category (to add one).
        assert_eq!(
            counts(&p.facets.unwrap().action),
            pairs(&[("5", 2)]),
            "Kenya's supported recommendations by category"
        );

        // A State's counts (the country page): UPR recommendations only.
        let by_pos = recs::counts_by(&s, &anon, "KEN", "position").await.unwrap();
        assert_eq!(
            counts(&by_pos),
            pairs(&[("noted", 1), ("pending", 1), ("supported", 3)])
        );
        let by_action = recs::counts_by(&s, &anon, "KEN", "action").await.unwrap();
        assert_eq!(
            counts(&by_action),
            pairs(&[("1", 1), ("3", 1), ("5", 2), ("none", 1)])
        );
    }
}

#[tokio::test]
async fn an_unknown_response_spelling_writes_nothing() {
    for b in backends() {
        let s = fresh(b).await;
        let resolver = ob::country_resolver(&s).await.unwrap();
        let text = format!("{HEADER}{ROWS}Kenya,,,Do more.,France,,,Rejected,4,General,9\n");
        let p = rules::parse_upr_info(&Table::from_csv(&text).unwrap(), &resolver);
        let sum = recs::import(&s, &Actor::system(), p.records, p.rejected, false, &|_| {})
            .await
            .unwrap();
        let msgs: Vec<String> = sum.rejected.iter().map(|e| e.to_string()).collect();
        assert_eq!(
            msgs,
            ["row 8, field Response: expected Accepted, Noted or blank, got \"Rejected\""]
        );
        assert_eq!(common::count(&s, "recommendations").await, 0);
    }
}

#[tokio::test]
async fn a_recommendation_typed_in_is_pending_until_answered() {
    for b in backends() {
        let s = fresh(b).await;
        let input = recs::NewRecommendation {
            iso3: "KEN".into(),
            body: "UPR".into(),
            text: "Adopt a law.".into(),
            session: "35".into(),
            upr_action: Some(5),
            ..Default::default()
        }
        .into_input()
        .unwrap();
        assert_eq!(input.position, Some(rules::Position::Pending));
        let id = s
            .write(&Actor::system(), async |tx| recs::create(tx, input).await)
            .await
            .unwrap();
        let r = recs::get(&s, &Actor::anonymous(), id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((r.position.as_str(), r.upr_action), ("pending", Some(5)));
        assert_eq!(r.upr_action_label.as_deref(), Some("Specific action"));
        let bad = recs::NewRecommendation {
            iso3: "KEN".into(),
            body: "UPR".into(),
            text: "x".into(),
            upr_action: Some(7),
            ..Default::default()
        };
        assert!(
            matches!(bad.into_input(), Err(StoreError::Rejected(i)) if i.field == "upr_action")
        );
    }
}
