//! The forms of the missing-persons and source-list pages read into the store's inputs
//! (which the core rules then parse), so that the handlers only read, call and render.

use super::*;

/// Semicolon-separated names (`other_names`), trimmed, empty ones dropped.
fn names(raw: &str) -> Vec<String> {
    raw.split(';')
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
        .collect()
}

/// A new case from the family's report form (the case is opened on the day reported).
pub(super) fn case_input(f: &FormData) -> MissingInput {
    MissingInput {
        person: dignity_store::protection::NewPerson {
            name: f.get("name"),
            other_names: names(&f.get("other_names")),
            sex: f.opt("sex"),
            birth_date: f.get("birth_date"),
            ..Default::default()
        },
        disappearance: dignity_store::protection::missing::Disappearance {
            last_seen_date: f.get("last_seen_date"),
            last_seen_place: f.get("last_seen_place"),
            region: f.get("region"),
            community: f.get("community"),
            circumstances: f.get("circumstances"),
            description: f.get("description"),
            period_id: opt_i64(&f.get("period_id")),
        },
        opened_on: f.get("reported_on"),
        confidentiality: f.get("confidentiality"),
        ..Default::default()
    }
}

/// The relative of a form, if the form names one (a name or a relationship).
pub(super) fn relative_input(f: &FormData) -> Option<RelativeInput> {
    let r = RelativeInput {
        name: f.get("relative_name"),
        relationship: f.get("relationship"),
        contact: f.get("relative_contact"),
    };
    (!r.name.trim().is_empty() || !r.relationship.is_empty()).then_some(r)
}

/// The sharing consent ticked on a form.
pub(super) fn consent(f: &FormData) -> Consent {
    Consent {
        commission: f.get("consent_commission") == "1",
        organisations: f.get("consent_organisations") == "1",
    }
}

/// A report by relative `relative_id` with the form's date and consent.
pub(super) fn report_input(f: &FormData, relative_id: i64) -> ReportInput {
    ReportInput {
        relative_id,
        reported_on: f.get("reported_on"),
        consent: consent(f),
    }
}

/// A change of status.
pub(super) fn status_change(f: &FormData) -> StatusChange {
    StatusChange {
        status: f.get("status"),
        changed_on: f.get("changed_on"),
        evidence_id: opt_i64(&f.get("evidence_id")),
        reference: f.get("reference"),
        note: f.get("note"),
    }
}

/// A problem with an upload as the sources page lists it (line 0, the field `file`), in
/// the reader's language.
fn upload_problem(ctx: &Ctx, key: &str) -> s::RowError {
    s::RowError {
        line: 0,
        field: "file".into(),
        rule: None,
        message: ctx.t(key),
    }
}

/// An uploaded list: the form's other fields, the file's name and its bytes.
pub(super) struct Upload {
    pub fields: FormData,
    pub filename: String,
    pub bytes: Vec<u8>,
}

/// Read a list upload (multipart field `file`, the other fields as text).
pub(super) async fn read_upload(
    ctx: &Ctx,
    mp: &mut axum::extract::Multipart,
) -> Result<Upload, s::RowError> {
    let mut fields = FormData::default();
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        match mp.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or("").to_string();
                if name == "file" {
                    let fname = field.file_name().unwrap_or("").to_string();
                    let b = field
                        .bytes()
                        .await
                        .map_err(|_| upload_problem(ctx, "pro.upload.interrupted"))?;
                    file = Some((fname, b.to_vec()));
                } else {
                    fields
                        .0
                        .push((name, field.text().await.unwrap_or_default()));
                }
            }
            Ok(None) => break,
            Err(_) => return Err(upload_problem(ctx, "pro.upload.malformed")),
        }
    }
    let (filename, bytes) = file
        .filter(|(_, b)| !b.is_empty())
        .ok_or_else(|| upload_problem(ctx, "pro.upload.choose_file"))?;
    Ok(Upload {
        fields,
        filename,
        bytes,
    })
}

/// The mapping of a list: the columns named in the form's `map_<target>` fields, and for
/// the others a column named like the target.
pub(super) fn mapping(headers: &[String], fields: &FormData) -> s::Mapping {
    let mut mapping = s::guess_mapping(headers);
    for t in s::TARGETS {
        let c = fields.get(&format!("map_{t}"));
        if !c.is_empty() {
            mapping.insert(t.to_string(), c);
        }
    }
    mapping
}
