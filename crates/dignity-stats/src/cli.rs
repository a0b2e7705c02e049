//! The `dignity link` and `dignity estimate` sub-commands, on plain files.
//!
//! The binary adds `Link(LinkArgs)` and `Estimate(EstimateArgs)` to its
//! command enum and calls [`run_link`] / [`run_estimate`].

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, ValueEnum};

use crate::linkage::{
    BlockingRule, Dataset, FieldKind, FieldSpec, LinkageSettings, Linker, PairExplanation,
    ScoredPair,
};
use crate::mse::dga::{DgaOptions, NPrior};
use crate::mse::lcm::LcmOptions;
use crate::mse::loglinear::{parse_terms, IntervalMethod, LoglinearOptions, Selection};
use crate::mse::{self, read_capture_csv, Estimate, Method};

/// `dignity link`: find records of the same person in CSV files.
#[derive(Args, Debug, Clone)]
pub struct LinkArgs {
    /// CSV files of person records (records are linked within and across files).
    #[arg(required = true, value_name = "FILE.csv")]
    pub files: Vec<PathBuf>,
    /// Column holding each record's identifier.
    #[arg(long, value_name = "COLUMN")]
    pub id: String,
    /// Field to compare, as COLUMN or COLUMN:KIND with KIND one of name, date,
    /// place, exact, text (guessed from the column name when omitted). Without
    /// any --field, every column whose kind can be guessed is used.
    #[arg(long = "field", value_name = "COLUMN[:KIND]")]
    pub fields: Vec<String>,
    /// Match probability at or above which a pair is a match.
    #[arg(long, default_value_t = 0.5, value_name = "P")]
    pub threshold: f64,
    /// Write pairs at or above the threshold here (id_l,id_r,match_probability);
    /// standard output when neither --pairs nor --clusters is given.
    #[arg(long, value_name = "pairs.csv")]
    pub pairs: Option<PathBuf>,
    /// Write the cluster of every record here (id,cluster).
    #[arg(long, value_name = "clusters.csv")]
    pub clusters: Option<PathBuf>,
    /// Add match_weight and a per-field explanation to every pair written.
    #[arg(long)]
    pub explain: bool,
    /// Explain the score of one pair of records (JSON on standard output).
    #[arg(long = "explain-pair", num_args = 2, value_names = ["ID_L", "ID_R"])]
    pub explain_pair: Option<Vec<String>>,
    /// Blocking rule (repeatable), e.g. `surname.phonetic&dob.year`; keys are
    /// exact (default), canonical, phonetic, year, first_token, prefix3.
    /// Chosen automatically when omitted.
    #[arg(long = "block", value_name = "RULE")]
    pub block: Vec<String>,
    /// Only link records from different files (no de-duplication within a file).
    #[arg(long)]
    pub link_only: bool,
    /// Clerically reviewed pairs (CSV with the two ids first and a 0/1 or
    /// score column third) to train m on instead of EM.
    #[arg(long, value_name = "labels.csv")]
    pub labels: Option<PathBuf>,
    /// Write the trained model (m, u, prior, blocking) as JSON.
    #[arg(long, value_name = "model.json")]
    pub model: Option<PathBuf>,
    /// Seed of the random pair sample used to estimate u.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

/// Estimation method for `dignity estimate`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum MethodArg {
    /// Poisson log-linear model (SparseMSE stepwise selection by default).
    Loglinear,
    /// Bayesian model averaging over decomposable graphs.
    Dga,
    /// Dirichlet-process latent-class model.
    Lcm,
}

/// Output format of `dignity estimate`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatArg {
    Json,
    Text,
}

/// Model selection for the log-linear method.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelectArg {
    Stepwise,
    Aic,
    Bic,
}

/// Interval for the log-linear method.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntervalArg {
    Profile,
    WaldLog,
}

/// `dignity estimate`: multiple systems estimation from capture histories.
#[derive(Args, Debug, Clone)]
pub struct EstimateArgs {
    /// CSV with one 0/1 column per list and an optional `count` column.
    #[arg(value_name = "FILE.csv")]
    pub file: PathBuf,
    #[arg(long, value_enum, default_value_t = MethodArg::Loglinear)]
    pub method: MethodArg,
    /// Fix the log-linear interaction terms (e.g. `A:B,B:C`; '' is the
    /// independence model) instead of searching.
    #[arg(long, value_name = "A:B,B:C")]
    pub terms: Option<String>,
    #[arg(long, value_enum, default_value_t = FormatArg::Json)]
    pub format: FormatArg,
    /// Column whose values split the table into strata, estimated separately
    /// and summed.
    #[arg(long, value_name = "COLUMN")]
    pub stratum: Option<String>,
    /// Log-linear model search.
    #[arg(long, value_enum, default_value_t = SelectArg::Stepwise)]
    pub select: SelectArg,
    /// p-value threshold of the stepwise search.
    #[arg(long, default_value_t = 0.02)]
    pub pthresh: f64,
    /// Log-linear interval: profile likelihood or normal on log(unobserved).
    #[arg(long, value_enum, default_value_t = IntervalArg::Profile)]
    pub interval: IntervalArg,
    /// Interval level.
    #[arg(long, default_value_t = 0.95)]
    pub level: f64,
    /// dga: prior observations per cell of the 2^p table.
    #[arg(long)]
    pub delta: Option<f64>,
    /// dga: negative-binomial prior on N as A,B (default p(N) ∝ 1/N).
    #[arg(long, value_name = "A,B")]
    pub nb_prior: Option<String>,
    /// lcm: iterations discarded before sampling.
    #[arg(long, default_value_t = 10_000)]
    pub burn_in: usize,
    /// lcm: posterior draws kept.
    #[arg(long, default_value_t = 2_000)]
    pub samples: usize,
    /// lcm: iterations between kept draws.
    #[arg(long, default_value_t = 10)]
    pub thin: usize,
    /// lcm: maximum number of latent classes.
    #[arg(long, default_value_t = 10)]
    pub max_classes: usize,
    /// lcm: random seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

// ---------------------------------------------------------------- estimate

fn method_from(args: &EstimateArgs) -> Result<Method> {
    if !(args.level > 0.0 && args.level < 1.0) {
        bail!("--level must be between 0 and 1, got {}", args.level);
    }
    if args.terms.is_some() && args.method != MethodArg::Loglinear {
        bail!("--terms only applies to --method loglinear");
    }
    Ok(match args.method {
        MethodArg::Loglinear => Method::Loglinear(LoglinearOptions {
            selection: match args.select {
                SelectArg::Stepwise => Selection::Stepwise {
                    pthresh: args.pthresh,
                },
                SelectArg::Aic => Selection::Aic,
                SelectArg::Bic => Selection::Bic,
            },
            interval: match args.interval {
                IntervalArg::Profile => IntervalMethod::Profile,
                IntervalArg::WaldLog => IntervalMethod::WaldLog,
            },
            level: args.level,
        }),
        MethodArg::Dga => {
            let prior = match &args.nb_prior {
                None => NPrior::Inverse,
                Some(s) => {
                    let v: Vec<f64> = s
                        .split(',')
                        .map(|x| x.trim().parse::<f64>())
                        .collect::<Result<_, _>>()
                        .map_err(|_| anyhow!("--nb-prior expects A,B (two numbers), got '{s}'"))?;
                    if v.len() != 2 || v.iter().any(|x| x.is_nan() || *x <= 0.0) {
                        bail!("--nb-prior expects two positive numbers A,B, got '{s}'");
                    }
                    NPrior::NegativeBinomial { a: v[0], b: v[1] }
                }
            };
            Method::Dga(DgaOptions {
                delta: args.delta.unwrap_or(0.5),
                prior,
                max_missing: None,
                level: args.level,
            })
        }
        MethodArg::Lcm => Method::Lcm(LcmOptions {
            max_classes: args.max_classes,
            burn_in: args.burn_in,
            samples: args.samples,
            thin: args.thin,
            seed: args.seed,
            level: args.level,
            ..Default::default()
        }),
    })
}

fn text_estimate(out: &mut dyn Write, title: &str, e: &Estimate) -> io::Result<()> {
    let f = |v: Option<f64>| {
        v.map(|x| format!("{x:.0}"))
            .unwrap_or_else(|| "none".into())
    };
    writeln!(out, "{title}method {}: {}", e.method, e.model)?;
    writeln!(
        out,
        "  observed {:.0}, estimated total {:.0}, {:.0}% interval {} – {} ({})",
        e.observed,
        e.estimate,
        e.level * 100.0,
        f(e.lower),
        f(e.upper),
        e.interval
    )?;
    for w in &e.warnings {
        writeln!(out, "  warning: {w}")?;
    }
    Ok(())
}

/// Run `dignity estimate`, writing JSON or text to standard output.
pub fn run_estimate(args: &EstimateArgs) -> Result<()> {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    estimate_to(args, &mut out)
}

/// As [`run_estimate`], writing to `out` (for tests and embedding).
pub fn estimate_to(args: &EstimateArgs, out: &mut dyn Write) -> Result<()> {
    let method = method_from(args)?;
    let table =
        read_capture_csv(&args.file, args.stratum.as_deref()).map_err(|e| anyhow!("{e}"))?;
    if args.stratum.is_none() {
        let data = &table.strata[0].1;
        let method = match (&method, &args.terms) {
            (Method::Loglinear(o), Some(t)) => {
                let terms = parse_terms(data, t).map_err(|e| anyhow!("--terms: {e}"))?;
                Method::Loglinear(LoglinearOptions {
                    selection: Selection::Fixed(terms),
                    ..o.clone()
                })
            }
            _ => method,
        };
        let e =
            mse::estimate(data, &method).map_err(|e| anyhow!("{}: {e}", args.file.display()))?;
        match args.format {
            FormatArg::Json => writeln!(out, "{}", serde_json::to_string_pretty(&e)?)?,
            FormatArg::Text => text_estimate(out, "", &e)?,
        }
        return Ok(());
    }
    if args.terms.is_some() {
        bail!("--terms cannot be combined with --stratum (each stratum selects its own model)");
    }
    let s = mse::estimate_strata(&table, &method);
    match args.format {
        FormatArg::Json => {
            let mut v = serde_json::to_value(&s)?;
            if let (Some(t), Some(obj)) = (&s.total, v.as_object_mut()) {
                // The total doubles as the top-level answer.
                obj.insert("observed".into(), t.observed.into());
                obj.insert("estimate".into(), t.estimate.into());
                obj.insert("lower".into(), serde_json::to_value(t.lower)?);
                obj.insert("upper".into(), serde_json::to_value(t.upper)?);
                obj.insert("method".into(), t.method.clone().into());
                obj.insert("model".into(), t.model.clone().into());
            }
            writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        }
        FormatArg::Text => {
            for st in &s.strata {
                match (&st.estimate, &st.error) {
                    (Some(e), _) => text_estimate(out, &format!("stratum {}: ", st.stratum), e)?,
                    (None, Some(err)) => {
                        writeln!(out, "stratum {}: no estimate: {err}", st.stratum)?
                    }
                    _ => {}
                }
            }
            if let Some(t) = &s.total {
                text_estimate(out, "total: ", t)?;
            }
            for w in &s.warnings {
                writeln!(out, "warning: {w}")?;
            }
        }
    }
    if s.total.is_none() {
        bail!("no total estimate: {}", s.warnings.join("; "));
    }
    Ok(())
}

// -------------------------------------------------------------------- link

/// Parse `COLUMN[:KIND]`.
fn parse_field(spec: &str) -> Result<(String, Option<FieldKind>)> {
    match spec.rsplit_once(':') {
        Some((col, kind)) if !col.is_empty() => {
            let k = FieldKind::parse(kind).ok_or_else(|| {
                anyhow!("--field {spec}: unknown kind '{kind}' (expected name, date, place, exact or text)")
            })?;
            Ok((col.to_string(), Some(k)))
        }
        _ => Ok((spec.to_string(), None)),
    }
}

/// Read the records of all files into a dataset.
pub fn load_records(args: &LinkArgs) -> Result<Dataset> {
    let mut headers_all = Vec::new();
    for f in &args.files {
        let mut r =
            csv::Reader::from_path(f).with_context(|| format!("cannot open {}", f.display()))?;
        let h = r
            .headers()
            .with_context(|| format!("{}: cannot read the header", f.display()))?
            .clone();
        if h.is_empty() || (h.len() == 1 && h[0].is_empty()) {
            bail!("{}: the file is empty (no header row)", f.display());
        }
        if !h.iter().any(|c| c == args.id) {
            bail!(
                "{}: no id column '{}' (columns: {})",
                f.display(),
                args.id,
                h.iter().collect::<Vec<_>>().join(", ")
            );
        }
        headers_all.push(h);
    }
    let mut specs: Vec<FieldSpec> = Vec::new();
    if args.fields.is_empty() {
        for c in headers_all[0].iter() {
            if c == args.id {
                continue;
            }
            match FieldKind::guess(c) {
                Some(k) => specs.push(FieldSpec::new(c, k)),
                None => eprintln!("note: column '{c}' not compared (kind unknown; add --field {c}:KIND to use it)"),
            }
        }
        if specs.is_empty() {
            bail!("no column could be used: name the fields with --field COLUMN:KIND");
        }
    } else {
        for s in &args.fields {
            let (col, kind) = parse_field(s)?;
            if !headers_all.iter().any(|h| h.iter().any(|c| c == col)) {
                bail!("--field {s}: no column '{col}' in any input file");
            }
            let kind = kind.or_else(|| FieldKind::guess(&col)).ok_or_else(|| {
                anyhow!("--field {s}: cannot guess the kind of '{col}'; write it as {col}:name|date|place|exact|text")
            })?;
            specs.push(FieldSpec::new(&col, kind));
        }
    }
    if specs.len() > 16 {
        bail!("{} fields given; at most 16 can be compared", specs.len());
    }
    let multi = args.files.len() > 1;
    let mut ds = Dataset::new(specs.clone());
    let mut seen: HashMap<String, (usize, u64)> = HashMap::new();
    for (src, (f, h)) in args.files.iter().zip(&headers_all).enumerate() {
        let stem = f
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        let idc = h.iter().position(|c| c == args.id).unwrap_or(0);
        let cols: Vec<Option<usize>> = specs
            .iter()
            .map(|s| h.iter().position(|c| c == s.name))
            .collect();
        for s in specs.iter().zip(&cols).filter(|(_, c)| c.is_none()) {
            eprintln!(
                "note: {} has no column '{}'; treated as missing",
                f.display(),
                s.0.name
            );
        }
        let mut r =
            csv::Reader::from_path(f).with_context(|| format!("cannot open {}", f.display()))?;
        for (k, rec) in r.records().enumerate() {
            let line = k + 2;
            let rec =
                rec.with_context(|| format!("{}: malformed CSV at line {line}", f.display()))?;
            let id = rec.get(idc).unwrap_or("").trim();
            if id.is_empty() {
                bail!(
                    "{}: line {line}: empty id in column '{}'",
                    f.display(),
                    args.id
                );
            }
            let full = if multi {
                format!("{stem}:{id}")
            } else {
                id.to_string()
            };
            if let Some((_, l)) = seen.insert(full.clone(), (src, line as u64)) {
                bail!(
                    "{}: line {line}: id '{id}' already used at line {l}",
                    f.display()
                );
            }
            let vals = cols
                .iter()
                .map(|c| c.and_then(|c| rec.get(c)).map(str::to_string))
                .collect();
            ds.push_from(src as u32, &full, vals);
        }
    }
    if ds.len() < 2 {
        bail!(
            "at least two records are needed to link, found {}",
            ds.len()
        );
    }
    Ok(ds)
}

fn read_labels(path: &Path, ds: &Dataset, multi: bool) -> Result<Vec<(usize, usize, bool)>> {
    let index: HashMap<&str, usize> = (0..ds.len()).map(|i| (ds.id(i), i)).collect();
    let mut r =
        csv::Reader::from_path(path).with_context(|| format!("cannot open {}", path.display()))?;
    let h = r.headers()?.clone();
    // Accept id_l,id_r,match or Splink's unique_id_l,source_dataset_l,unique_id_r,source_dataset_r,clerical_match_score.
    let (il, ir, is) = if h.iter().any(|c| c == "clerical_match_score") {
        let p = |n: &str| {
            h.iter()
                .position(|c| c == n)
                .ok_or_else(|| anyhow!("{}: no column {n}", path.display()))
        };
        (
            p("unique_id_l")?,
            p("unique_id_r")?,
            p("clerical_match_score")?,
        )
    } else {
        (0, 1, 2)
    };
    let _ = multi;
    let mut out = Vec::new();
    for (k, rec) in r.records().enumerate() {
        let line = k + 2;
        let rec =
            rec.with_context(|| format!("{}: malformed CSV at line {line}", path.display()))?;
        let get = |c: usize| {
            rec.get(c)
                .ok_or_else(|| anyhow!("{}: line {line} has too few fields", path.display()))
        };
        let (a, b) = (get(il)?, get(ir)?);
        let i = *index
            .get(a)
            .ok_or_else(|| anyhow!("{}: line {line}: unknown id '{a}'", path.display()))?;
        let j = *index
            .get(b)
            .ok_or_else(|| anyhow!("{}: line {line}: unknown id '{b}'", path.display()))?;
        let s: f64 = get(is)?.parse().map_err(|_| {
            anyhow!(
                "{}: line {line}: match column is not a number",
                path.display()
            )
        })?;
        out.push((i, j, s >= 0.5));
    }
    Ok(out)
}

fn short_explanation(e: &PairExplanation) -> String {
    e.fields
        .iter()
        .map(|f| {
            let tf = if f.term_frequency_adjustment != 0.0 {
                format!(", tf {:+.1}", f.term_frequency_adjustment)
            } else {
                String::new()
            };
            format!("{}={} ({:+.1}{tf})", f.field, f.level, f.weight)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Run `dignity link`.
pub fn run_link(args: &LinkArgs) -> Result<()> {
    if !(args.threshold > 0.0 && args.threshold < 1.0) {
        bail!(
            "--threshold must be between 0 and 1, got {}",
            args.threshold
        );
    }
    let ds = load_records(args)?;
    let mut settings = LinkageSettings {
        link_only: args.link_only,
        seed: args.seed,
        ..Default::default()
    };
    if args.link_only && args.files.len() < 2 {
        bail!("--link-only needs at least two files");
    }
    if !args.block.is_empty() {
        let rules = args
            .block
            .iter()
            .map(|b| BlockingRule::parse(b, &ds.fields).map_err(|e| anyhow!("--block: {e}")))
            .collect::<Result<Vec<_>>>()?;
        settings.blocking = crate::linkage::Blocking::Rules(rules);
    }
    let linker = Linker::new(&ds, settings).map_err(|e| anyhow!("{e}"))?;
    eprintln!(
        "{} records, fields: {}",
        ds.len(),
        ds.fields
            .iter()
            .map(|f| format!("{}:{}", f.name, f.kind.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for d in &linker.diagnostics {
        eprintln!("{d}");
    }
    eprintln!("{} candidate pairs", linker.num_candidate_pairs());
    let model = match &args.labels {
        Some(p) => {
            let labels = read_labels(p, &ds, args.files.len() > 1)?;
            linker
                .train_with_labels(&labels)
                .map_err(|e| anyhow!("{e}"))?
        }
        None => linker.train().map_err(|e| anyhow!("{e}"))?,
    };
    eprintln!("prior match probability {:.3e}", model.lambda);
    if let Some(p) = &args.model {
        let f = File::create(p).with_context(|| format!("cannot write {}", p.display()))?;
        serde_json::to_writer_pretty(f, &model)?;
    }
    if let Some(pair) = &args.explain_pair {
        let find = |id: &str| {
            (0..ds.len())
                .find(|&i| ds.id(i) == id)
                .ok_or_else(|| anyhow!("--explain-pair: no record with id '{id}'"))
        };
        let (i, j) = (find(&pair[0])?, find(&pair[1])?);
        let e = linker.explain(&model, i, j);
        println!("{}", serde_json::to_string_pretty(&e)?);
        if args.pairs.is_none() && args.clusters.is_none() {
            return Ok(());
        }
    }
    let scored = linker.predict(&model);
    let mut matches: Vec<&ScoredPair> = scored
        .iter()
        .filter(|p| p.match_probability >= args.threshold)
        .collect();
    matches.sort_by(|a, b| b.match_weight.total_cmp(&a.match_weight));
    eprintln!(
        "{} pairs at match probability >= {}",
        matches.len(),
        args.threshold
    );
    let write_pairs = |w: &mut dyn Write| -> Result<()> {
        let mut c = dignity_core::edge::CsvWriter::from_writer(w);
        if args.explain {
            c.write_record([
                "id_l",
                "id_r",
                "match_probability",
                "match_weight",
                "explanation",
            ])?;
        } else {
            c.write_record(["id_l", "id_r", "match_probability"])?;
        }
        for p in &matches {
            let (l, r) = (ds.id(p.left as usize), ds.id(p.right as usize));
            let prob = format!("{:.6}", p.match_probability);
            if args.explain {
                let e = linker.explain(&model, p.left as usize, p.right as usize);
                c.write_record([
                    l,
                    r,
                    &prob,
                    &format!("{:.3}", p.match_weight),
                    &short_explanation(&e),
                ])?;
            } else {
                c.write_record([l, r, &prob])?;
            }
        }
        c.flush()?;
        Ok(())
    };
    match &args.pairs {
        Some(p) => {
            let mut f = File::create(p).with_context(|| format!("cannot write {}", p.display()))?;
            write_pairs(&mut f)?;
        }
        None if args.clusters.is_none() => {
            let stdout = io::stdout();
            let mut lock = stdout.lock();
            write_pairs(&mut lock)?;
        }
        None => {}
    }
    if let Some(p) = &args.clusters {
        let cl = linker.cluster(&scored, args.threshold);
        eprintln!(
            "{} clusters ({} merges refused by the anti-chaining safeguard)",
            cl.num_clusters, cl.refused_merges
        );
        let f = File::create(p).with_context(|| format!("cannot write {}", p.display()))?;
        let mut c = dignity_core::edge::CsvWriter::from_writer(f);
        c.write_record(["id", "cluster"])?;
        for (i, k) in cl.assignment.iter().enumerate() {
            c.write_record([ds.id(i), &k.to_string()])?;
        }
        c.flush()?;
    }
    Ok(())
}
