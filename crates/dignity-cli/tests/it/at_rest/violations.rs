//! The violations records: event, persons, acts, information, evidence and custody, interventions,
//! saved searches.

use super::*;

/// What [`super::populate`] writes of this area, each typed field with its marker.
pub(super) async fn populate(
    s: &Store,
    m: &mut Markers,
    doc: &accounts::User,
    doc_a: &Actor,
    vocab: &Vocab,
) {
    // Violations: event, persons, acts, information, evidence and custody, interventions.
    let mut tx = s.begin(doc_a).await.unwrap();
    let event = create_event(
        &mut tx,
        vocab,
        &EventInput {
            title: m.mk("vio_events.title"),
            description: m.mk("vio_events.description"),
            start_date: m.date("vio_events.start_date", "1987-06-05"),
            end_date: m.date("vio_events.end_date", "1987-06-07"),
            country: Some("PER".into()),
            admin_area: m.mk("vio_events.admin_area"),
            place: m.mk("vio_events.place"),
            coordinates: "-13.51671, -71.97812".into(),
            confidentiality: "internal".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    m.0.entry("vio_events.coordinates".into())
        .or_default()
        .push("-71.97812".into());
    let victim = create_person(
        &mut tx,
        vocab,
        &PersonInput {
            name: m.mk("vio_persons.name"),
            other_names: vec![m.mk("vio_persons.other_names")],
            gender: m.mk("vio_persons.gender"),
            birth_date: "1937-06-21".into(),
            death_date: "1999-11-03".into(),
            nationality: Some("PER".into()),
            contact: m.mk("vio_persons.contact"),
            address: m.mk("vio_persons.address"),
            notes: m.mk("vio_persons.notes"),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    // Dates and codes cannot carry a marker: their values are searched for instead.
    m.0.entry("vio_persons.birth_date".into())
        .or_default()
        .push("1937-06-21".into());
    m.0.entry("vio_persons.death_date".into())
        .or_default()
        .push("1999-11-03".into());
    let person2 = create_person(
        &mut tx,
        vocab,
        &PersonInput {
            name: m.mk("vio_persons.name"),
            ethnicity: Some(ABKHAZIANS.into()),
            religion: Some(BUDDHISTS.into()),
            occupation: Some(LEGISLATORS.into()),
            nationality: Some("BOL".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    // Codes cannot carry a marker, and the code itself is in the shipped vocabulary (in
    // clear, as reference data): these columns are checked filled and encrypted only.
    for col in ["ethnicity", "religion", "occupation", "nationality"] {
        m.0.entry(format!("vio_persons.{col}")).or_default();
    }
    let act = create_act(
        &mut tx,
        vocab,
        &ActInput {
            event_id: event,
            victim_id: Some(victim),
            act_type: "03010100000004".into(),
            start_date: m.date("vio_acts.start_date", "1986-05-04"),
            end_date: m.date("vio_acts.end_date", "1986-05-09"),
            admin_area: m.mk("vio_acts.admin_area"),
            property_destroyed: m.mk("vio_acts.property_destroyed"),
            property_value: m.mk("vio_acts.property_value"),
            place: m.mk("vio_acts.place"),
            coordinates: "-12.04637, -77.04279".into(),
            consequences: m.mk("vio_acts.consequences"),
            case_description: m.mk("vio_acts.case_description"),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    m.0.entry("vio_acts.coordinates".into())
        .or_default()
        .push("-77.04279".into());
    // Only the months of the dates stay in clear (the sort keys).
    for (col, month) in [
        ("vio_events.start_sort", "1987-06"),
        ("vio_events.end_sort", "1987-06"),
        ("vio_acts.start_sort", "1986-05"),
        ("vio_acts.end_sort", "1986-05"),
    ] {
        m.0.entry(col.into()).or_default().push(month.into());
    }
    link_persons(
        &mut tx,
        vocab,
        victim,
        person2,
        "01010100000021",
        &m.date("vio_person_links.start_date", "1979-08-01"),
        &m.date("vio_person_links.end_date", "1981-09-04"),
    )
    .await
    .unwrap();
    set_death_penalty(
        &mut tx,
        &DeathPenaltyInput {
            event_id: event,
            person_id: victim,
            status: "commuted".into(),
            charge: m.mk("vio_death_penalty.charge"),
            sentence_date: m.date("vio_death_penalty.sentence_date", "1988-01-11"),
            execution_date: m.date("vio_death_penalty.execution_date", "1988-02-12"),
            commutation_date: m.date("vio_death_penalty.commutation_date", "1988-03-13"),
        },
    )
    .await
    .unwrap();
    add_information(
        &mut tx,
        vocab,
        &InformationInput {
            source_id: person2,
            event_id: Some(event),
            info_date: m.date("vio_information.info_date", "1985-04-03"),
            remarks: m.mk("vio_information.remarks"),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let mut content: Vec<u8> = (0..200_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    content[1000..1000 + FILE_MARKER.len()].copy_from_slice(FILE_MARKER.as_bytes());
    let (blob, head) = evidence::store_reader(s, &content[..], u64::MAX, None).unwrap();
    evidence::create_evidence(
        &mut tx,
        &EvidenceInput {
            title: m.mk("vio_evidence.title"),
            description: m.mk("vio_evidence.description"),
            filename: m.mk("vio_evidence.filename"),
            event_id: Some(event),
            acquired_from: m.mk("vio_evidence.acquired_from"),
            acquired_how: m.mk("vio_evidence.acquired_how"),
            acquired_at: m.date("vio_evidence.acquired_at", "1984-03-02"),
            confidentiality: "internal".into(),
            ..Default::default()
        },
        &blob,
        &head,
    )
    .await
    .unwrap();
    // The custody log names whom it was acquired from (the same typed value).
    let from = m.0["vio_evidence.acquired_from"].clone();
    m.0.insert("vio_custody.counterpart".into(), from);
    // … how (the method) and when (in the details).
    let how = m.0["vio_evidence.acquired_how"].clone();
    m.0.insert("vio_custody.method".into(), how);
    m.0.insert("vio_custody.details".into(), vec!["1984-03-02".into()]);
    let ua = interventions::create_intervention(
        &mut tx,
        vocab,
        &InterventionInput {
            int_type: "urgent_appeal".into(),
            addressees: m.mk("vio_interventions.addressees"),
            int_date: m.date("vio_interventions.int_date", "1983-02-01"),
            follow_up_date: m.date("vio_interventions.follow_up_date", "1983-02-15"),
            description: m.mk("vio_interventions.description"),
            events: vec![event],
            acts: vec![act],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    // The reply is due 60 days after an urgent appeal.
    m.date("vio_interventions.reply_due", "1983-04-02");
    // The response is recorded on the committed intervention (read outside the write).
    tx.commit().await.unwrap();
    let mut tx = s.begin(doc_a).await.unwrap();
    interventions::record_response(
        &mut tx,
        vocab,
        ua,
        Some("04000000000027".into()),
        &m.date("vio_interventions.response_date", "1983-03-21"),
        &m.mk("vio_interventions.response_text"),
        None,
        None,
    )
    .await
    .unwrap();
    save_draft(
        &mut tx,
        None,
        "entry",
        &serde_json::json!({ "victim_name": m.mk("vio_drafts.payload") }),
    )
    .await
    .unwrap();
    search::save_search(
        &mut tx,
        doc.id,
        &m.mk("saved_searches.name"),
        &format!("q={}", m.mk("saved_searches.query")),
        0,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}
