//! Editing records through the forms: events, acts, persons, involvements, information,
//! chains of events and relationships, and the refusal for roles that may not edit.

use super::*;

#[tokio::test]
async fn an_officer_edits_an_event_with_field_errors_kept_input_and_stale_forms_refused() {
    for b in backends() {
        let app = app(b).await;
        app.user("dora", Role::Documenter).await;
        let mut br = Browser::new(&app.router);
        br.login("dora").await;
        let id = entry_case(&mut br, "Raid on the clinic", "Amaru Quispe").await;
        let edit = format!("/violations/events/{id}/edit");
        let page = br.get(&format!("/violations/events/{id}")).await;
        assert!(
            page.body.contains(&edit),
            "the event page links to its edit form"
        );
        let form = br.get(&edit).await;
        assert_eq!(form.status, StatusCode::OK, "{b:?}");
        assert!(form.body.contains("value=\"Raid on the clinic\""));
        assert!(form.body.contains("value=\"2024-03-05\""));
        let v1 = version(&form.body);
        let audits_before = count(&app.store, "audit_log").await;

        // Dates out of order: the field is marked, the typed values stay, nothing is written.
        let bad = [
            ("version", v1.as_str()),
            ("title", "Raid on the San Martín clinic"),
            ("start_date", "2024-03"),
            ("end_date", "2024-02-10"),
            ("country", "PER"),
            ("place", "Jr. Ucayali 120"),
            ("confidentiality", "confidential"),
        ];
        let r = br.submit(&edit, &bad).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b:?}");
        assert!(r.body.contains("before the start"), "{}", r.body);
        assert!(r.body.contains("value=\"Raid on the San Martín clinic\""));
        assert!(r.body.contains("value=\"Jr. Ucayali 120\""));
        assert!(r.body.contains("id=\"f-end_date\" name=\"end_date\" value=\"2024-02-10\" dir=\"auto\" aria-describedby=\"f-end_date-hint f-end_date-error\" aria-invalid=\"true\""), "{}", r.body);
        assert_eq!(
            one_clear(&app.store, "vio_events.title", id).await,
            "Raid on the clinic"
        );
        assert_eq!(count(&app.store, "audit_log").await, audits_before);

        // An unknown vocabulary code is refused too.
        let r = br
            .submit(
                &edit,
                &[
                    ("version", v1.as_str()),
                    ("title", "Raid"),
                    ("violation_status", "99999999999999"),
                    ("confidentiality", "internal"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("aria-invalid=\"true\""));

        // A good save: dates with their precision, location, confidentiality, lenses.
        let good = [
            ("version", v1.as_str()),
            ("title", "Raid on the San Martín clinic"),
            ("start_date", "2024-03"),
            ("end_date", "~2024-04-02"),
            ("country", "PER"),
            ("admin_area", "Lima"),
            ("place", "Jr. Ucayali 120"),
            ("coordinates", "-12.05, -77.03"),
            ("lenses", "torture"),
            ("confidentiality", "internal"),
        ];
        // Raising the level changes who may see the record: that needs ManageAccess, which
        // a documenter does not have (403, nothing written).
        let mut raise = good.to_vec();
        raise[9] = ("confidentiality", "confidential");
        let r = br.submit(&edit, &raise).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b:?}");
        assert_eq!(count(&app.store, "audit_log").await, audits_before);
        let r = br.submit(&edit, &good).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(r.location, format!("/violations/events/{id}?flash=saved"));
        let page = br.get(&format!("/violations/events/{id}")).await;
        assert!(page.body.contains("Raid on the San Martín clinic"));
        assert!(page.body.contains("2024-03 – ~2024-04-02"), "{}", page.body);
        assert!(page.body.contains("Jr. Ucayali 120"));
        assert!(page.body.contains("/violations/lenses/torture"));
        assert_eq!(
            one_text(
                &app.store,
                &format!("SELECT confidentiality FROM vio_events WHERE id = {id}")
            )
            .await,
            "internal"
        );
        // The place is stored encrypted, and the change is audited with before and after.
        assert_ne!(
            one_text(
                &app.store,
                &format!("SELECT place FROM vio_events WHERE id = {id}")
            )
            .await,
            "Jr. Ucayali 120"
        );
        assert_eq!(
            one_i64(
                &app.store,
                &format!(
                    "SELECT COUNT(*) FROM audit_log WHERE action = 'event.update' AND record_id = '{id}' \
                     AND before_hash IS NOT NULL AND after_hash IS NOT NULL"
                )
            )
            .await,
            1
        );

        // The same old form sent again (someone else saved meanwhile): refused, nothing written.
        let mut stale = good.to_vec();
        stale[1] = ("title", "An older idea of the title");
        let r = br.submit(&edit, &stale).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{b:?}");
        assert!(
            r.body.contains("someone else changed this record"),
            "{}",
            r.body
        );
        assert!(
            r.body.contains("value=\"An older idea of the title\""),
            "the user's input is kept"
        );
        assert_eq!(
            one_clear(&app.store, "vio_events.title", id).await,
            "Raid on the San Martín clinic"
        );
        // The events list finds it by whole words of the new title, in any order and case
        // (titles are encrypted; the filter matches keyed words), and says so.
        let list = br.get("/violations?q=MART%C3%8DN+raid").await;
        assert!(list.body.contains("Raid on the San Martín clinic"), "{b:?}");
        assert!(
            list.body.contains("Whole words, in any order"),
            "the filter explains how it matches"
        );
        for miss in ["/violations?q=Mart", "/violations?q=raid+clinic+Ucayali"] {
            let list = br.get(miss).await;
            assert!(!list.body.contains("San Martín clinic"), "{b:?}: {miss}");
        }
    }
}

#[tokio::test]
async fn acts_persons_involvements_and_information_are_edited_through_forms() {
    for b in backends() {
        let app = app(b).await;
        app.user("dora", Role::Documenter).await;
        let mut br = Browser::new(&app.router);
        br.login("dora").await;
        let ev = entry_case(&mut br, "Arrest at the market", "Rosa Mamani").await;
        let (act, victim) = act_and_victim(&app.store, ev).await;
        let inv = one_i64(
            &app.store,
            &format!("SELECT id FROM vio_involvements WHERE act_id = {act}"),
        )
        .await;
        let perp = one_i64(
            &app.store,
            &format!("SELECT perpetrator_id FROM vio_involvements WHERE id = {inv}"),
        )
        .await;
        let info = one_i64(
            &app.store,
            &format!("SELECT id FROM vio_information WHERE event_id = {ev}"),
        )
        .await;
        let source = one_i64(
            &app.store,
            &format!("SELECT source_id FROM vio_information WHERE id = {info}"),
        )
        .await;
        let code = |list: i64| {
            format!("SELECT vocab_number FROM vocab_terms WHERE list_number = {list} ORDER BY sort_order LIMIT 1")
        };
        let medical = one_text(&app.store, &code(37)).await;
        let reliability = one_text(&app.store, &code(42)).await;
        let degree = one_text(&app.store, &code(18)).await;

        // The act: type, dates, the torture part, consequences.
        let page = br.get(&format!("/violations/acts/{act}")).await;
        let edit = format!("/violations/acts/{act}/edit");
        assert!(page.body.contains(&edit));
        let form = br.get(&edit).await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(
            form.body
                .contains(&format!("value=\"#{victim} — Rosa Mamani\"")),
            "{}",
            form.body
        );
        let ver = version(&form.body);
        let victim_ref = format!("#{victim} — Rosa Mamani");
        let mut fields = vec![
            ("version", ver.as_str()),
            ("act_type", TORTURE),
            ("victim", victim_ref.as_str()),
            ("start_date", "2024-03-05"),
            ("end_date", "2024-03-09"),
            ("medical_attention", medical.as_str()),
            ("consequences", "Broken arm, untreated for four days"),
            ("confidentiality", "internal"),
        ];
        // No victim: refused with the field named, nothing written.
        fields[2] = ("victim", "");
        let r = br.submit(&edit, &fields).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b:?}");
        assert!(r.body.contains("id=\"f-victim-error\""), "{}", r.body);
        assert!(
            r.body.contains("Broken arm, untreated for four days"),
            "input kept"
        );
        assert_eq!(
            one_text(
                &app.store,
                &format!("SELECT act_type FROM vio_acts WHERE id = {act}")
            )
            .await,
            ARREST
        );
        fields[2] = ("victim", victim_ref.as_str());
        let r = br.submit(&edit, &fields).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = br.get(&format!("/violations/acts/{act}")).await;
        assert!(page.body.contains("Broken arm, untreated for four days"));
        assert!(page.body.contains("2024-03-05 – 2024-03-09"));
        assert_eq!(
            one_text(
                &app.store,
                &format!("SELECT act_type FROM vio_acts WHERE id = {act}")
            )
            .await,
            TORTURE
        );
        assert_eq!(
            one_i64(&app.store, &format!("SELECT COUNT(*) FROM audit_log WHERE action = 'act.update' AND record_id = '{act}'")).await,
            1
        );

        // The person: names, other names, date of birth with its precision.
        let edit = format!("/violations/persons/{victim}/edit");
        let ver = edit_form_version(&mut br, &format!("/violations/persons/{victim}"), &edit).await;
        let mut fields = vec![
            ("version", ver.as_str()),
            ("person_type", "individual"),
            ("name", "Rosa Elena Mamani"),
            ("other_names", "Роза Мамани\nR. Mamani"),
            ("birth_date", "1990-13"),
            ("age_group", "adult"),
            ("confidentiality", "confidential"),
        ];
        let r = br.submit(&edit, &fields).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b:?}");
        assert!(r.body.contains("id=\"f-birth_date-error\""), "{}", r.body);
        assert!(r.body.contains("Роза Мамани"));
        fields[4] = ("birth_date", "~1990-05-01");
        let r = br.submit(&edit, &fields).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = br.get(&format!("/violations/persons/{victim}")).await;
        assert!(
            page.body.contains("Rosa Elena Mamani") && page.body.contains("Роза Мамани; R. Mamani")
        );
        assert!(page.body.contains("~1990-05-01"));
        // The other names are found by the exact-name look-up.
        let list = br.get("/violations/persons?name=r.+mamani").await;
        assert!(
            list.body
                .contains(&format!("/violations/persons/{victim}\"")),
            "{}",
            list.body
        );

        // The involvement: degree of involvement.
        let edit = format!("/violations/involvements/{inv}/edit");
        let ver = edit_form_version(&mut br, &format!("/violations/acts/{act}"), &edit).await;
        let perp_ref = format!("#{perp}");
        let r = br
            .submit(
                &edit,
                &[
                    ("version", &ver),
                    ("perpetrator", &perp_ref),
                    ("degree", "nonsense"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = br
            .submit(
                &edit,
                &[
                    ("version", &ver),
                    ("perpetrator", &perp_ref),
                    ("degree", &degree),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(
            one_text(
                &app.store,
                &format!("SELECT degree FROM vio_involvements WHERE id = {inv}")
            )
            .await,
            degree
        );

        // The information: now about the act, with its reliability and remarks.
        let edit = format!("/violations/information/{info}/edit");
        let ver = edit_form_version(&mut br, &format!("/violations/events/{ev}"), &edit).await;
        let src = format!("#{source}");
        let act_s = act.to_string();
        let r = br
            .submit(
                &edit,
                &[
                    ("version", &ver),
                    ("source", &src),
                    ("act_id", &act_s),
                    ("reliability", &reliability),
                    ("info_date", "2024-03-10"),
                    ("remarks", "Met in person"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(
            one_i64(
                &app.store,
                &format!("SELECT act_id FROM vio_information WHERE id = {info}")
            )
            .await,
            act
        );
        let form = br.get(&edit).await;
        assert!(form.body.contains("Met in person"));
        assert_ne!(
            version(&form.body),
            ver,
            "a saved change gives a new version"
        );
    }
}

#[tokio::test]
async fn chains_of_events_and_relationships_between_persons_are_added_in_the_ui() {
    for b in backends() {
        let app = app(b).await;
        app.user("dora", Role::Documenter).await;
        let mut br = Browser::new(&app.router);
        br.login("dora").await;
        let e1 = entry_case(&mut br, "First raid", "Amaru Quispe").await;
        let e2 = entry_case(&mut br, "Reprisal raid", "Killa Quispe").await;
        let chain_type = one_text(&app.store, "SELECT vocab_number FROM vocab_terms WHERE list_number = 22 ORDER BY sort_order LIMIT 1").await;
        let chain_label = one_text(
            &app.store,
            "SELECT label_en FROM vocab_terms WHERE list_number = 22 ORDER BY sort_order LIMIT 1",
        )
        .await;
        let page = br.get(&format!("/violations/events/{e1}")).await;
        assert!(page
            .body
            .contains(&format!("action=\"/violations/events/{e1}/links\"")));
        // Chained to itself: refused with a message, nothing written.
        let e1s = e1.to_string();
        let r = br
            .submit(
                &format!("/violations/events/{e1}/links"),
                &[("link_type", &chain_type), ("to_event", &e1s)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(br
            .get(&r.location)
            .await
            .body
            .contains("cannot be chained to itself"));
        assert_eq!(count(&app.store, "vio_event_links").await, 0);
        let e2s = e2.to_string();
        let r = br
            .submit(
                &format!("/violations/events/{e1}/links"),
                &[("link_type", &chain_type), ("to_event", &e2s)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let page = br.get(&format!("/violations/events/{e2}")).await;
        assert!(
            page.body.contains(&format!(
                "/violations/events/{e1}\">Event {e1}</a> — {chain_label}"
            )),
            "{}",
            page.body
        );

        let a = one_i64(
            &app.store,
            &format!("SELECT victim_id FROM vio_acts WHERE event_id = {e1}"),
        )
        .await;
        let bb = one_i64(
            &app.store,
            &format!("SELECT victim_id FROM vio_acts WHERE event_id = {e2}"),
        )
        .await;
        let rel_type = one_text(&app.store, "SELECT vocab_number FROM vocab_terms WHERE list_number = 21 ORDER BY sort_order LIMIT 1").await;
        let other = format!("#{bb} — Killa Quispe");
        let r = br
            .submit(
                &format!("/violations/persons/{a}/links"),
                &[
                    ("link_type", &rel_type),
                    ("person_b", &other),
                    ("start_date", "2001"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(!r.location.contains("problem"), "{}", r.location);
        let page = br.get(&format!("/violations/persons/{bb}")).await;
        assert!(
            page.body
                .contains(&format!("/violations/persons/{a}\">Person {a}</a>")),
            "{}",
            page.body
        );
        assert_eq!(count(&app.store, "vio_person_links").await, 1);
    }
}

#[tokio::test]
async fn a_role_that_may_not_edit_gets_403_and_nothing_is_written() {
    for b in backends() {
        let app = app(b).await;
        app.user("dora", Role::Documenter).await;
        app.user("ana", Role::Analyst).await;
        let mut dora = Browser::new(&app.router);
        dora.login("dora").await;
        let ev = entry_case(&mut dora, "Raid on the clinic", "Amaru Quispe").await;
        let (act, victim) = act_and_victim(&app.store, ev).await;
        let audits = count(&app.store, "audit_log").await;
        let mut ana = Browser::new(&app.router);
        ana.login("ana").await;
        let page = ana.get(&format!("/violations/events/{ev}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            !page.body.contains("/edit\""),
            "no edit links for an analyst"
        );
        for path in [
            format!("/violations/events/{ev}/edit"),
            format!("/violations/acts/{act}/edit"),
            format!("/violations/persons/{victim}/edit"),
        ] {
            assert_eq!(
                ana.get(&path).await.status,
                StatusCode::FORBIDDEN,
                "{path} {b:?}"
            );
            let r = ana
                .submit(
                    &path,
                    &[
                        ("title", "Changed"),
                        ("name", "Changed"),
                        ("act_type", TORTURE),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{path} {b:?}");
        }
        let r = ana
            .submit(
                &format!("/violations/events/{ev}/links"),
                &[("link_type", "x"), ("to_event", "1")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(
            one_clear(&app.store, "vio_events.title", ev).await,
            "Raid on the clinic"
        );
        // Access checks write read entries only; no change was audited.
        assert_eq!(
            one_i64(&app.store, &format!("SELECT COUNT(*) FROM audit_log WHERE seq > {audits} AND action NOT LIKE '%read%' AND action NOT LIKE 'session%' AND action NOT LIKE 'login%' AND action NOT LIKE 'user.%'")).await,
            0
        );
        // A form without its CSRF token is refused as well.
        let r = dora
            .send(
                Request::post(format!("/violations/events/{ev}/edit"))
                    .header(header::COOKIE, dora.cookie_header())
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from("title=Changed&confidentiality=internal"))
                    .unwrap(),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
}
