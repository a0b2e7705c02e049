//! The obligations area's HTML forms and their POST handlers (ratifications, reports, visits, communications, invitations, clusters, mandates, tracking).

use super::*;

pub async fn ratification_form(
    State(state): State<AppState>,
    ctx: MayWrite,
    Path((iso3, instrument)): Path<(String, String)>,
) -> Response {
    let (iso3, name) = match country_or_404(&state, &ctx, &iso3).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    match ob::ratification(&state.store, &iso3, &instrument).await {
        Ok(Some(r)) => render_rat_form(&state, &ctx, &iso3, &name, &r, None).await,
        Ok(None) => WebError::not_found().into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

pub(super) async fn render_rat_form(
    state: &AppState,
    ctx: &Ctx,
    iso3: &str,
    name: &str,
    r: &ob::Ratification,
    error: Option<String>,
) -> Response {
    // The previous values of the fact (shipped data, snapshots, the office's corrections).
    let history = match ob::facts::history(&state.store, iso3, &r.instrument).await {
        Ok(h) => h,
        Err(e) => return WebError::from(e).into_response(),
    };
    page_status(
        state,
        ctx,
        "obligations_ratification.html",
        if error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        context! {
            iso3 => iso3, name => name, r => Value::from_serialize(r), error => error,
            history => Value::from_serialize(&history),
            statuses => vec!["party", "signatory", "none", "denounced"],
            kinds => dignity_core::refdata::ConsentKind::ALL.map(|k| k.code()).to_vec(),
        },
    )
}

#[derive(Deserialize)]
pub struct RatForm {
    status: String,
    #[serde(default)]
    signature: String,
    #[serde(default)]
    consent: String,
    #[serde(default)]
    consent_kind: String,
    #[serde(default)]
    reservations: String,
    #[serde(default)]
    declarations: String,
    #[serde(default)]
    complaints_declaration: String,
    #[serde(default)]
    inquiry_accepted: String,
    #[serde(default)]
    note: String,
}

pub(super) fn tri(s: &str) -> Option<bool> {
    match s {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

pub async fn ratification_save(
    State(state): State<AppState>,
    ctx: MayWrite,
    Path((iso3, instrument)): Path<(String, String)>,
    CsrfForm(f): CsrfForm<RatForm>,
) -> Response {
    let (iso3, name) = match country_or_404(&state, &ctx, &iso3).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let input = RatificationInput {
        status: f.status.clone(),
        signature: f.signature.clone(),
        consent: f.consent.clone(),
        consent_kind: f.consent_kind.clone(),
        reservations: f.reservations.clone(),
        declarations: f.declarations.clone(),
        complaints_declaration: tri(&f.complaints_declaration),
        inquiry_accepted: tri(&f.inquiry_accepted),
        note: f.note.clone(),
    };
    let mut tx = match state.store.begin(&ctx.actor).await {
        Ok(t) => t,
        Err(e) => return WebError::from(e).into_response(),
    };
    match ob::set_ratification(&mut tx, &iso3, &instrument, &input, "user").await {
        Ok(_) => match tx.commit().await {
            Ok(_) => see_other(&format!("/obligations/countries/{iso3}?flash=saved")),
            Err(e) => WebError::from(e).into_response(),
        },
        Err(e) if refused_field(&e).is_some() => {
            let message = match &e {
                StoreError::Rejected(r) => crate::i18n::invalid(ctx.lang, r),
                other => other.to_string(),
            };
            let _ = tx.rollback().await;
            let Ok(Some(mut r)) = ob::ratification(&state.store, &iso3, &instrument).await else {
                return WebError::not_found().into_response();
            };
            r.status = f.status;
            r.signature = f.signature;
            r.consent = f.consent;
            r.consent_kind = f.consent_kind;
            r.reservations = f.reservations;
            r.declarations = f.declarations;
            r.note = f.note;
            render_rat_form(&state, &ctx, &iso3, &name, &r, Some(message)).await
        }
        Err(e) => WebError::from(e).into_response(),
    }
}

#[derive(Deserialize)]
pub struct ReportForm {
    instrument: String,
    number: String,
    #[serde(default)]
    due_date: String,
    #[serde(default)]
    submitted: String,
    #[serde(default)]
    symbol: String,
    #[serde(default)]
    review_session: String,
    #[serde(default)]
    co_symbol: String,
    #[serde(default)]
    number_to: String,
    #[serde(default)]
    due_set_in: String,
    #[serde(default)]
    loipr: String,
}

pub(super) fn flash_error(back: &str, e: &StoreError) -> Response {
    let code = match refused_field(e) {
        Some(field) => format!(
            "obl_invalid_{}",
            field.replace(|c: char| !c.is_ascii_lowercase(), "_")
        ),
        None => "internal".into(),
    };
    let known = [
        "obl_invalid_submitted",
        "obl_invalid_due_date",
        "obl_invalid_number",
        "obl_invalid_number_to",
        "obl_invalid_loipr",
        "obl_invalid_instrument",
        "obl_invalid_visit_end",
        "obl_invalid_status",
        "obl_invalid_mandate_code",
        "obl_invalid_assessed_on",
        "obl_invalid_body",
        "obl_invalid_description",
        "obl_invalid_target_date",
        "obl_invalid_institution",
        "obl_invalid_requested",
        "obl_invalid_reference",
        "obl_invalid_sent",
        "obl_invalid_reply",
        "obl_invalid_intervention_id",
        "obl_invalid_since",
        "obl_invalid_name",
        "obl_invalid_basis",
        "obl_invalid_basis_value",
        "obl_invalid_code",
        "obl_invalid_kind",
        "obl_invalid_iso_",
        "obl_invalid_established",
        "obl_invalid_start_date",
        "obl_invalid_end_date",
        "obl_invalid_mandate",
        "obl_invalid_action_id",
        "obl_invalid_cluster",
        "obl_invalid_comm_type",
        "obl_invalid_reply_status",
        "obl_invalid_joint_mandates",
        "obl_invalid_resolution",
        "obl_invalid_accepted",
        "obl_invalid_visit_start",
    ];
    let code = if known.contains(&code.as_str()) {
        code
    } else {
        "obl_invalid".into()
    };
    see_other(&format!("{back}?error={code}"))
}

pub async fn report_save(
    State(state): State<AppState>,
    ctx: MayWrite,
    Path(iso3): Path<String>,
    CsrfForm(f): CsrfForm<ReportForm>,
) -> Response {
    let iso3 = iso3.to_ascii_uppercase();
    let back = format!("/obligations/countries/{iso3}/deadlines");
    let input = reports::ReportInput {
        number: f.number.trim().parse().unwrap_or(0),
        due_date: f.due_date,
        submitted: f.submitted,
        symbol: f.symbol,
        review_session: f.review_session,
        co_symbol: f.co_symbol,
        // Empty: one report; anything but a number is refused by the rule's range.
        number_to: match f.number_to.trim() {
            "" => 0,
            n => n.parse().unwrap_or(-1),
        },
        due_set_in: f.due_set_in,
        loipr: f.loipr,
        note: String::new(),
    };
    let done = format!("{back}?flash=saved");
    edit_and_redirect(&state, &ctx, &back, &done, async |tx| {
        reports::set_report(tx, &iso3, &f.instrument, &input).await
    })
    .await
}

#[derive(Deserialize)]
pub struct VisitForm {
    mandate_code: String,
    status: String,
    #[serde(default)]
    requested: String,
    #[serde(default)]
    accepted: String,
    #[serde(default)]
    visit_start: String,
    #[serde(default)]
    visit_end: String,
    #[serde(default)]
    report_symbol: String,
}

pub async fn visit_save(
    State(state): State<AppState>,
    ctx: MayWrite,
    Path(iso3): Path<String>,
    CsrfForm(f): CsrfForm<VisitForm>,
) -> Response {
    let v = reports::Visit {
        id: 0,
        mandate_code: f.mandate_code,
        mandate_name: String::new(),
        iso3: iso3.to_ascii_uppercase(),
        status: f.status,
        requested: f.requested,
        accepted: f.accepted,
        visit_start: f.visit_start,
        visit_end: f.visit_end,
        report_symbol: f.report_symbol,
        note: String::new(),
    };
    edit_country(&state, &ctx, &iso3, "", async |tx, iso3| {
        reports::add_visit(tx, iso3, &v).await.map(|_| ())
    })
    .await
}

/// `POST /obligations/countries/{iso3}/communications`: a communication of a special
/// procedure to the State: its type (UA, AL, OL), the mandates that sent it (the first,
/// and `joint_mandates`, repeated, for a joint communication), its dates and reply status
/// (the 60-day reply deadline follows from the sent day; an intervention's own reply clock
/// can be linked too).
pub async fn communication_save(
    State(state): State<AppState>,
    ctx: MayWrite,
    Path(iso3): Path<String>,
    CsrfForm(f): CsrfForm<Vec<(String, String)>>,
) -> Response {
    let all = |k: &str| -> Vec<String> {
        f.iter()
            .filter(|(n, v)| n == k && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_string())
            .collect()
    };
    let one = |k: &str| all(k).into_iter().next().unwrap_or_default();
    let c = reports::Communication {
        mandate_code: one("mandate_code"),
        joint_mandates: all("joint_mandates"),
        reference: one("reference"),
        comm_type: one("comm_type"),
        sent: one("sent"),
        reply: one("reply"),
        reply_status: one("reply_status"),
        link: one("link"),
        intervention_id: one("intervention_id").parse().ok(),
        ..Default::default()
    };
    let intervention = rules::parse_intervention_id(&one("intervention_id"));
    edit_country(&state, &ctx, &iso3, "#sp-h", async |tx, iso3| {
        intervention?;
        reports::add_communication(tx, iso3, &c).await.map(|_| ())
    })
    .await
}

#[derive(Deserialize)]
pub struct InvitationForm {
    #[serde(default)]
    since: String,
    /// Where the office read it (OHCHR's list of standing invitations, a note verbale).
    #[serde(default)]
    source: String,
}

/// `POST /obligations/countries/{iso3}/invitation`: the standing invitation to the
/// special procedures, extended since a date or year; empty withdraws it.
pub async fn invitation_save(
    State(state): State<AppState>,
    ctx: MayWrite,
    Path(iso3): Path<String>,
    CsrfForm(f): CsrfForm<InvitationForm>,
) -> Response {
    let since = Some(f.since.trim()).filter(|s| !s.is_empty());
    edit_country(&state, &ctx, &iso3, "#sp-h", async |tx, iso3| {
        reports::set_standing_invitation_from(tx, iso3, since, &f.source).await
    })
    .await
}

#[derive(Deserialize)]
pub struct CommunicationLinkForm {
    #[serde(default)]
    intervention_id: String,
}

/// `POST /obligations/countries/{iso3}/communications/{id}/interventions`: link a
/// communication to the intervention whose 60-day reply clock it follows.
pub async fn communication_link(
    State(state): State<AppState>,
    ctx: MayWrite,
    Path((iso3, id)): Path<(String, i64)>,
    CsrfForm(f): CsrfForm<CommunicationLinkForm>,
) -> Response {
    let int = rules::parse_intervention_id(&f.intervention_id)
        .and_then(|i| i.ok_or_else(|| dignity_core::Invalid::required("intervention_id")));
    edit_country(&state, &ctx, &iso3, "#comm-h", async |tx, _| {
        reports::link_intervention(tx, id, int?).await
    })
    .await
}

#[derive(Deserialize)]
pub struct ClusterForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    basis: String,
    #[serde(default)]
    basis_value: String,
}

/// `POST /obligations/countries/{iso3}/clusters`: group a State's recommendations by theme,
/// affected persons, SDG target, or by hand.
pub async fn cluster_save(
    State(state): State<AppState>,
    ctx: MayWrite,
    Path(iso3): Path<String>,
    CsrfForm(f): CsrfForm<ClusterForm>,
) -> Response {
    edit_country(&state, &ctx, &iso3, "#clusters-h", async |tx, iso3| {
        tracking::create_cluster(tx, iso3, &f.name, f.basis.trim(), &f.basis_value)
            .await
            .map(|_| ())
    })
    .await
}

#[derive(Deserialize)]
pub struct MandateForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    iso3: String,
    #[serde(default)]
    established: String,
    /// The establishing resolution (`HRC res. 5/1`); empty keeps the one recorded.
    #[serde(default)]
    resolution: String,
}

/// `POST /obligations/mandates`: create a mandate, or update the one with the same code.
pub async fn mandate_save(
    State(state): State<AppState>,
    ctx: MayWrite,
    CsrfForm(f): CsrfForm<MandateForm>,
) -> Response {
    let back = "/obligations/mandates";
    let iso3 = Some(f.iso3.trim().to_ascii_uppercase()).filter(|c| !c.is_empty());
    let done = format!("{back}?flash=saved");
    edit_and_redirect(&state, &ctx, back, &done, async |tx| {
        let id = reports::upsert_mandate(
            tx,
            &f.code,
            &f.name,
            f.kind.trim(),
            iso3.as_deref(),
            &f.established,
        )
        .await?;
        if !f.resolution.trim().is_empty() {
            reports::set_mandate_resolution(tx, id, &f.resolution).await?;
        }
        Ok(())
    })
    .await
}

#[derive(Deserialize)]
pub struct HolderForm {
    #[serde(default)]
    mandate_id: i64,
    #[serde(default)]
    name: String,
    #[serde(default)]
    start_date: String,
    #[serde(default)]
    end_date: String,
}

/// `POST /obligations/mandates/holders`: a mandate holder and their term.
pub async fn holder_save(
    State(state): State<AppState>,
    ctx: MayWrite,
    CsrfForm(f): CsrfForm<HolderForm>,
) -> Response {
    let back = "/obligations/mandates";
    let done = format!("{back}?flash=saved");
    edit_and_redirect(&state, &ctx, back, &done, async |tx| {
        let known = reports::mandates(tx.store())
            .await?
            .iter()
            .any(|m| m.id == f.mandate_id);
        rules::check_holder(&f.name, known)?;
        reports::add_holder(tx, f.mandate_id, &f.name, &f.start_date, &f.end_date).await
    })
    .await
}

#[derive(Deserialize)]
pub struct TrackingForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    assessed_on: String,
    #[serde(default)]
    narrative: String,
    #[serde(default)]
    evidence: String,
    #[serde(default)]
    confidentiality: String,
    #[serde(default)]
    published: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    institution: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    focal_point: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    target_date: String,
    #[serde(default)]
    indicator: String,
    /// "Mark done": the planned action, and `no` to reopen it.
    #[serde(default)]
    action_id: i64,
    #[serde(default)]
    done: String,
    /// "Add to a cluster": the cluster.
    #[serde(default)]
    cluster_id: i64,
}

pub async fn tracking_save(
    State(state): State<AppState>,
    ctx: MayWrite,
    Path((id, what)): Path<(i64, String)>,
    CsrfForm(f): CsrfForm<TrackingForm>,
) -> Response {
    let level: Confidentiality = f
        .confidentiality
        .parse()
        .unwrap_or(Confidentiality::Internal);
    // Tracking entries are records of their own level: ask for that level.
    let access = dignity_core::RecordAccess::new(level);
    if !authorize(&ctx.actor, Action::Create, &access).allowed() {
        return WebError::forbidden().into_response();
    }
    let back = format!("/obligations/recommendations/{id}");
    let target = tracking::Target::Recommendation(id);
    let r = async {
        let mut tx = state.store.begin(&ctx.actor).await?;
        match what.as_str() {
            "assess" => {
                tracking::assess(
                    &mut tx,
                    target,
                    &tracking::Assessment {
                        id: 0,
                        status: f.status.clone(),
                        assessed_on: f.assessed_on.clone(),
                        narrative: f.narrative.clone(),
                        evidence: f.evidence.clone(),
                        confidentiality: Some(level.as_str().into()),
                        published: f.published == "yes",
                        by: None,
                        via_cluster: false,
                    },
                )
                .await?;
            }
            "note" => {
                tracking::add_note(&mut tx, target, &f.body, level).await?;
            }
            "assign" => {
                let kind = if f.kind.is_empty() {
                    "ministry"
                } else {
                    f.kind.as_str()
                };
                let inst = tracking::institution(&mut tx, &f.institution, kind, None).await?;
                tracking::assign(&mut tx, target, inst, &f.focal_point).await?;
            }
            "action" => {
                let inst = if f.institution.trim().is_empty() {
                    None
                } else {
                    Some(tracking::institution(&mut tx, &f.institution, "ministry", None).await?)
                };
                tracking::add_action(
                    &mut tx,
                    target,
                    &tracking::PlannedAction {
                        id: 0,
                        description: f.description.clone(),
                        institution: None,
                        target_date: f.target_date.clone(),
                        indicator: f.indicator.clone(),
                        done: false,
                        overdue_days: None,
                    },
                    inst,
                )
                .await?;
            }
            "action-done" => {
                tracking::set_action_done(&mut tx, id, f.action_id, f.done != "no").await?;
            }
            "cluster" => {
                // Only a cluster of the same State's recommendations.
                let rec = recs::get(&state.store, &ctx.actor, id)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("recommendation {id}")))?;
                let same_state = tracking::clusters(&state.store, &rec.iso3)
                    .await?
                    .iter()
                    .any(|c| c.id == f.cluster_id);
                rules::check_same_state_cluster(same_state)?;
                tracking::add_to_cluster(&mut tx, f.cluster_id, id).await?;
            }
            _ => return Err(StoreError::NotFound("tracking kind".into())),
        }
        tx.commit().await
    }
    .await;
    match r {
        Ok(_) => see_other(&format!("{back}?flash=saved")),
        Err(e) if refused_field(&e).is_some() => flash_error(&back, &e),
        Err(StoreError::NotFound(_)) => WebError::not_found().into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}
