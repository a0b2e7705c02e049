//! `dignity refdata update FILE`: load a newer snapshot of the ratification facts (the
//! format of `data/treaties/ratifications.csv`), show what it changes, and apply it only
//! when the administrator accepts (`--accept`, or yes at the terminal). The file is
//! checked whole first: an error names the line and the field and nothing is written.
//! Every previous value is kept in the history (`ratification_history`); rows the office
//! recorded or imported, and facts known as of a later day, are kept.

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use dignity_core::refdata::{self, DatedRatification};
use dignity_core::Actor;
use dignity_store::obligations::facts::{FactPlan, PlannedFact};
use dignity_store::Store;
use std::io::{BufRead, Write};
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum RefdataCmd {
    /// Load a newer ratifications snapshot (the CSV format of data/treaties/ratifications.csv):
    /// show what changes, then apply it when accepted.
    Update(UpdateArgs),
}

#[derive(Args)]
pub struct UpdateArgs {
    /// The snapshot (CSV: iso3, instrument, status, signature, consent, consent_kind,
    /// reservations, source, as_of, note).
    pub file: PathBuf,
    /// Apply the changes without asking.
    #[arg(long)]
    pub accept: bool,
    /// List every changed fact, not only the first ones of each kind.
    #[arg(long)]
    pub all: bool,
}

/// How many facts of each kind the summary lists unless `--all` is given.
const SHOWN: usize = 20;

/// Checks the file against the shipped countries and instruments (the same rules as the
/// shipped file). Errors name the line and the field.
pub fn parse_snapshot(text: &str) -> Result<Vec<DatedRatification>> {
    let data = refdata::parse_shipped().context("the shipped reference data")?;
    refdata::parse_dated_ratifications(text, &data.countries, &data.instruments)
        .map_err(|e| anyhow::anyhow!("{e}; nothing was written"))
}

pub async fn run(store: &Store, actor: &Actor, cmd: RefdataCmd) -> Result<i32> {
    match cmd {
        RefdataCmd::Update(a) => update(store, actor, &a).await,
    }
}

async fn update(store: &Store, actor: &Actor, a: &UpdateArgs) -> Result<i32> {
    let bytes =
        std::fs::read(&a.file).with_context(|| format!("cannot read {}", a.file.display()))?;
    let text = String::from_utf8(bytes.clone()).with_context(|| {
        format!(
            "{} is not UTF-8 text; nothing was written",
            a.file.display()
        )
    })?;
    let facts = parse_snapshot(&text).with_context(|| a.file.display().to_string())?;
    if facts.is_empty() {
        bail!(
            "{}: the snapshot has no rows; nothing was written",
            a.file.display()
        );
    }
    let plan = dignity_store::refdata::plan_ratifications_update(store, &facts).await?;
    print!("{}", summary(&plan, a.all));
    if plan.facts.is_empty() {
        println!("nothing to change");
        return Ok(0);
    }
    if !a.accept && !ask("Apply these changes?")? {
        println!("nothing was written (run again with --accept to apply)");
        return Ok(1);
    }
    let origin = format!(
        "refdata update {} sha256:{}",
        a.file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes))
    );
    let n =
        dignity_store::refdata::apply_ratifications_update(store, actor, &facts, &plan, &origin)
            .await?;
    println!("applied: {n} facts written; previous values kept in the history");
    Ok(0)
}

/// Ask a yes/no question at the terminal; without one, the answer is no.
fn ask(question: &str) -> Result<bool> {
    if !crate::prompt::interactive() {
        return Ok(false);
    }
    eprint!("{question} [y/N] ");
    std::io::stderr().flush().ok();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes" | "Yes"))
}

/// What the snapshot changes, by kind: new ratifications, changed dates, withdrawn
/// reservations or declarations, other changes, and the facts only confirmed.
pub fn summary(plan: &FactPlan, all: bool) -> String {
    let mut out = String::new();
    let titles = [
        "new ratifications, accessions or successions",
        "changed dates",
        "reservations or declarations no longer listed (withdrawn)",
        "other changes",
    ];
    // Each changed fact in the first group it belongs to; confirmations in none.
    let group = |f: &PlannedFact| {
        if f.confirmed_only {
            None
        } else if f.is_new_consent() {
            Some(0)
        } else if f.changes_dates() {
            Some(1)
        } else if f.withdraws_reservations() {
            Some(2)
        } else {
            Some(3)
        }
    };
    for (k, title) in titles.iter().enumerate() {
        let list: Vec<&PlannedFact> = plan.facts.iter().filter(|f| group(f) == Some(k)).collect();
        out.push_str(&format!("{title}: {}\n", list.len()));
        for f in list.iter().take(if all { usize::MAX } else { SHOWN }) {
            let changes: Vec<String> = f
                .changes()
                .iter()
                .filter(|c| c.field != "as_of" && c.field != "fact_source")
                .map(|c| {
                    format!(
                        "{} {} → {}",
                        c.field,
                        if c.old.is_empty() { "—" } else { &c.old },
                        if c.new.is_empty() { "—" } else { &c.new }
                    )
                })
                .collect();
            out.push_str(&format!(
                "  {} {}: {} (as of {})\n",
                f.iso3,
                f.instrument,
                changes.join(", "),
                f.after.as_of
            ));
        }
        if !all && list.len() > SHOWN {
            out.push_str(&format!(
                "  … {} more (--all lists them)\n",
                list.len() - SHOWN
            ));
        }
    }
    let confirmed = plan.facts.iter().filter(|f| f.confirmed_only).count();
    out.push_str(&format!(
        "confirmed as of a later day: {confirmed}\nunchanged: {}\nkept (recorded or imported by the office): {}\nkept (known as of a later day): {}\n",
        plan.unchanged, plan.kept_office, plan.kept_newer
    ));
    out
}
