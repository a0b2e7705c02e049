//! Closed holes checked on their own: the memorial and name queries.

use super::*;

/// Hole 5: the public memorial names a defender only when the profile was published
/// through the publishing workflow (public, published) and the publication is consented
/// to; withdrawing consent takes it off the memorial and the portal at once.
#[tokio::test]
async fn the_memorial_shows_only_published_consented_defenders() {
    let w = world().await;
    for p in [P::Anon, P::Admin] {
        let r = w.call(p, "GET", "/protection/memorial").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(
            r.body.contains(&canary(K::Defender, L::Pub, "name")),
            "{}",
            r.body
        );
        for l in [L::Unpub, L::Int, L::Conf, L::Strict] {
            let name = canary(K::Defender, l, "name");
            assert!(
                !r.body.contains(&name),
                "{} sees {name} on the memorial",
                p.name()
            );
        }
    }
    let id = w.ids[&(K::Defender, L::Pub)];
    let page = format!("/public/records/pro_defenders/{id}");
    assert_eq!(w.call(P::Anon, "GET", &page).await.status, StatusCode::OK);
    sqlx::query("UPDATE pro_defenders SET memorial_consent = 0 WHERE id = $1")
        .bind(id)
        .execute(w.store.pool())
        .await
        .unwrap();
    let r = w.call(P::Anon, "GET", "/protection/memorial").await;
    assert!(!r.body.contains(&canary(K::Defender, L::Pub, "name")));
    assert_eq!(
        w.call(P::Anon, "GET", &page).await.status,
        StatusCode::NOT_FOUND
    );
    let r = w.call(P::Anon, "GET", "/public").await;
    assert!(
        !r.body.contains(&page),
        "consent withdrawn, still listed on /public"
    );
}

/// Hole 6: a reader who may not see names (an analyst, by default) gets the same answer for
/// a recorded name as for a name nobody has: no name matching at all. Who may see names
/// still finds the person.
#[tokio::test]
async fn name_queries_tell_nothing_to_readers_who_may_not_see_names() {
    let w = world().await;
    let person = canary(K::Person, L::Int, "name");
    let missing = canary(K::Missing, L::Int, "name");
    let nobody = "NOBODYRECORDEDHERE";
    let cases = [
        ("/api/v1/violations/persons?name=", &person),
        ("/api/v1/violations/persons/duplicates?name=", &person),
        ("/api/v1/protection/missing?name=", &missing),
        ("/violations/persons?name=", &person),
        ("/protection/missing?name=", &missing),
    ];
    for (path, name) in cases {
        let hit = w.call(P::Analyst, "GET", &format!("{path}{name}")).await;
        let miss = w.call(P::Analyst, "GET", &format!("{path}{nobody}")).await;
        assert_eq!(hit.status, StatusCode::OK, "{path}");
        assert_eq!(
            (hit.status, hit.body.replace(name.as_str(), "")),
            (miss.status, miss.body.replace(nobody, "")),
            "{path}: the analyst's answer depends on whether the name is recorded"
        );
        if path.starts_with("/api/") {
            // Who may see names finds exactly that person.
            let found = w.call(P::Documenter, "GET", &format!("{path}{name}")).await;
            let v: Value = serde_json::from_str(&found.body).unwrap();
            assert_eq!(v["total"], 1, "{path}: {}", found.body);
        }
    }
}
