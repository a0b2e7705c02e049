//! Areas of work and types of attack, edited by administrators in five languages.

use super::*;

#[tokio::test]
async fn areas_of_work_and_types_of_attack_are_editable_in_five_languages() {
    for b in backends() {
        let st = store(b).await;
        dignity_store::refdata::load_shipped(&st).await.unwrap();
        let mut tx = st.begin(&Actor::system()).await.unwrap();
        let pw = "a long enough passphrase";
        let adm = accounts::create(&mut tx, "amina", "", Role::Admin, pw)
            .await
            .unwrap();
        let coo = accounts::create(&mut tx, "cora", "", Role::Coordinator, pw)
            .await
            .unwrap();
        let (_, admin) = accounts::create_token(&mut tx, adm.id, "t").await.unwrap();
        let (_, cora) = accounts::create_token(&mut tx, coo.id, "t").await.unwrap();
        tx.commit().await.unwrap();
        let app = dignity_web::router(dignity_web::AppState::new(
            st.store.clone(),
            Default::default(),
        ));

        // Everyone on the team reads both lists, with the labels in all five languages.
        let (s, body) = get(&app, "/protection/vocabularies/area", Some(&cora)).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        for label in [
            "Land, environment and natural resources",
            "Terre, environnement et ressources naturelles",
            "Коренные народы",
        ] {
            assert!(body.contains(label), "{label}");
        }
        assert!(
            !body.contains("id=\"add-term\""),
            "a coordinator does not edit reference data"
        );
        let (s, body) = get(&app, "/protection/vocabularies/attack", Some(&cora)).await;
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains("Reprisal for cooperation with the UN"));
        let (s, _) = get(&app, "/protection/vocabularies/colours", Some(&cora)).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _, _) = form(
            &app,
            "/protection/vocabularies/area",
            &cora,
            &[("label_en", "Housing rights")],
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);

        // The administrator adds an area in five languages; the defender form offers it.
        let (s, body) = get(&app, "/protection/vocabularies/area", Some(&admin)).await;
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains("id=\"add-term\""));
        let (s, loc, body) = form(
            &app,
            "/protection/vocabularies/area",
            &admin,
            &[
                ("label_en", "Housing rights"),
                ("label_fr", "Droit au logement"),
                ("label_es", "Derecho a la vivienda"),
                ("label_ar", "الحق في السكن"),
                ("label_ru", "Право на жильё"),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
        let code = loc.rsplit("#term-").next().unwrap().to_string();
        let terms = dignity_store::protection::terms(&st, "area", "ru", false)
            .await
            .unwrap();
        assert!(terms
            .iter()
            .any(|t| t.code == code && t.label == "Право на жильё"));
        let (_, body) = call(&app, "GET", "/protection/defenders", Some(&cora), None).await;
        assert!(body.contains("Housing rights"));

        // A label is corrected and the term retired: no longer offered, still listed.
        let (s, _, body) = form(
            &app,
            &format!("/protection/vocabularies/area/{code}"),
            &admin,
            &[
                ("label_en", "Right to adequate housing"),
                ("label_fr", "Droit à un logement convenable"),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
        let (_, body) = call(&app, "GET", "/protection/defenders", Some(&cora), None).await;
        assert!(!body.contains("Right to adequate housing"));
        let (_, body) = get(&app, "/protection/vocabularies/area", Some(&cora)).await;
        assert!(body.contains("Right to adequate housing") && body.contains("Retired"));

        // Bad input: no English label, a type of act that is not a code.
        let (s, _, body) = form(
            &app,
            "/protection/vocabularies/area",
            &admin,
            &[("label_fr", "Sans anglais")],
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("the English label is required"));
        let (s, _, body) = form(
            &app,
            "/protection/vocabularies/attack",
            &admin,
            &[("label_en", "Doxxing"), ("act_type", "doxx")],
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("micro-thesaurus 4"));
        // Every change is audited.
        let n: i64 = sqlx::Row::get(
            &sqlx::query("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'term.%' OR action LIKE 'pro_term.%' OR record_type = 'pro_terms'")
                .fetch_one(st.pool())
                .await
                .unwrap(),
            0,
        );
        assert_eq!(n, 2);
    }
}
