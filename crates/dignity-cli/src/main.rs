//! `dignity`: the one binary. `serve` runs the web application; the other commands drive
//! the same store from scripts, and work while a server runs.

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use dignity_cli::config::{self, Config, Given};
use dignity_cli::{demo, import, ops, refdata, search, shred, violations};
use dignity_core::{Actor, Role};
use dignity_store::{accounts, audit, Store};
use std::io::{IsTerminal, Read};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "dignity",
    version,
    about = "Human rights monitoring, documentation and protection"
)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct GlobalArgs {
    /// TOML configuration file (values there are overridden by flags and DIGNITY_* variables).
    #[arg(long, global = true, env = "DIGNITY_CONFIG")]
    config: Option<PathBuf>,
    /// Directory for the embedded database, the key file and uploaded files [default: ./dignity-data].
    #[arg(long, global = true, env = "DIGNITY_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// postgres://user:password@host/db to run on PostgreSQL instead of the embedded SQLite.
    #[arg(
        long,
        global = true,
        env = "DIGNITY_DATABASE_URL",
        hide_env_values = true
    )]
    database_url: Option<String>,
    /// Key file (field encryption, audit chain) [default: DATA_DIR/keys.json].
    #[arg(long, global = true, env = "DIGNITY_KEY_FILE")]
    key_file: Option<PathBuf>,
    /// Person key vault (crypto-shredding; keep it with the key file, never in a backup) [default: DATA_DIR/person-keys].
    #[arg(long, global = true, env = "DIGNITY_PERSON_KEYS")]
    person_keys: Option<PathBuf>,
    /// Log format: text or json.
    #[arg(long, global = true, env = "DIGNITY_LOG_FORMAT")]
    log_format: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web application.
    Serve(ServeArgs),
    /// Print the configuration in force (secrets masked).
    Config(ServeArgs),
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCmd),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCmd),
    /// Read and verify the audit log.
    #[command(subcommand)]
    Audit(AuditCmd),
    /// Manage teams (need-to-know lists can name teams).
    #[command(subcommand)]
    Team(ops::TeamCmd),
    /// Write one consistent archive of the installation (works while the server runs).
    Backup(ops::BackupArgs),
    /// Restore an archive into an empty installation (--data-dir / --database-url).
    Restore(ops::RestoreArgs),
    /// Copy this installation into an empty PostgreSQL database and verify it.
    MigrateStore(ops::MigrateArgs),
    /// Rotate and inspect the field-encryption keys.
    #[command(subcommand)]
    Keys(ops::KeysCmd),
    /// Import data from files (all or nothing; --dry-run lists every rejected row).
    #[command(subcommand)]
    Import(import::ImportCmd),
    /// Reference data: load a newer ratifications snapshot (shows the changes; applies
    /// them when accepted, keeping the history).
    #[command(subcommand)]
    Refdata(refdata::RefdataCmd),
    // -- commands of the areas of the product
    /// Synthetic demonstration data.
    #[command(subcommand)]
    Demo(violations::DemoCmd),
    /// Evidence files: add one, export a verifiable package.
    #[command(subcommand)]
    Evidence(violations::EvidenceCmd),
    /// Persons: erase one (crypto-shredding).
    #[command(subcommand)]
    Person(shred::PersonCmd),
    /// Link records across CSV files (probabilistic record linkage, Fellegi–Sunter).
    Link(dignity_stats::cli::LinkArgs),
    /// Estimate the total number of victims from overlapping lists (multiple systems estimation).
    Estimate(dignity_stats::cli::EstimateArgs),
    /// Rebuild the search index from the database (stop the server first).
    Reindex(search::ReindexArgs),
}

#[derive(Args, Clone, Default)]
struct ServeArgs {
    /// Address and port to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "DIGNITY_LISTEN")]
    listen: Option<String>,
    /// The address users reach Dignity at (https://… marks cookies Secure).
    #[arg(long, env = "DIGNITY_PUBLIC_URL")]
    public_url: Option<String>,
    /// Send `Strict-Transport-Security` (HSTS). On by itself when the public URL is https://;
    /// use this when a TLS proxy serves Dignity under another address.
    #[arg(long, env = "DIGNITY_HSTS")]
    hsts: bool,
    /// On a new installation, add demonstration data: a `demo-documenter` account and
    /// synthetic cases (never use on a real installation).
    #[arg(long, env = "DIGNITY_DEMO")]
    demo: bool,
}

#[derive(Subcommand)]
enum UserCmd {
    /// Add a user. The password is read from standard input, or generated and printed.
    Add {
        name: String,
        #[arg(long)]
        role: String,
        #[arg(long, default_value = "")]
        display_name: String,
        /// Generate a password even if standard input has one.
        #[arg(long)]
        generate_password: bool,
    },
    /// List users.
    List {
        #[arg(long, default_value = "text")]
        format: String,
    },
    /// Disable a user (ends their sessions; API tokens stop working).
    Disable { name: String },
    /// Enable a disabled user.
    Enable { name: String },
    /// Set a new password (from standard input, or generated and printed); ends sessions and lockout.
    ResetPassword {
        name: String,
        #[arg(long)]
        generate_password: bool,
    },
}

#[derive(Subcommand)]
enum TokenCmd {
    /// Create an API token for a user and print it (send it as `Authorization: Bearer …`).
    Create {
        /// The user the token acts as.
        user: String,
        /// A label to recognise the token by.
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

#[derive(Subcommand)]
enum AuditCmd {
    /// Check the whole hash chain; exit status 1 if anything was tampered with.
    Verify {
        #[arg(long, default_value = "text")]
        format: String,
    },
    /// Show the latest entries.
    List {
        #[arg(long, default_value_t = 50)]
        limit: i64,
        #[arg(long)]
        actor: Option<String>,
        #[arg(long)]
        action: Option<String>,
    },
}

fn given(g: &GlobalArgs, s: &ServeArgs) -> Given {
    Given {
        config: g.config.clone(),
        values: config::FileConfig {
            data_dir: g.data_dir.clone(),
            database_url: g.database_url.clone(),
            key_file: g.key_file.clone(),
            person_keys: g.person_keys.clone(),
            listen: s.listen.clone(),
            public_url: s.public_url.clone(),
            log_format: g.log_format.clone(),
            demo_data: None,
        },
    }
}

fn init_logging(cfg: &Config) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("DIGNITY_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tantivy=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if cfg.log_format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// The actor CLI commands act as: the operator at the console, recorded as `cli:<login>`.
fn cli_actor() -> Actor {
    let who = std::env::var("USER").unwrap_or_else(|_| "operator".into());
    Actor {
        user_id: None,
        username: format!("cli:{who}"),
        role: Role::Admin,
        teams: vec![],
    }
}

/// Open the store for `serve` and the commands that read or write records: shipped
/// reference data loaded, and what an older version kept in clear brought up to date first
/// (so that a command run after an upgrade, before any server start, reads it too).
async fn open(cfg: &Config) -> Result<Store> {
    let store = Store::open(&cfg.open_options()).await?;
    dignity_store::refdata::load_shipped(&store).await?;
    upgrade_at_rest(&store).await?;
    Ok(store)
}

/// Fields, person keys and keyed columns an older version left in clear or unkeyed; each
/// step is idempotent, batched and audited with counts only. They scan whole tables, so
/// they run only when the registry or the schema changed since they last completed (the
/// marker `dignity_store::upgrade`); erasures are completed at every opening (one query
/// on the persons' name column and a listing of the vault's tombstones).
async fn upgrade_at_rest(store: &Store) -> Result<()> {
    let done = dignity_store::upgrade::is_done(store)
        .await
        .context("reading the upgrade marker")?;
    if !done {
        // The fields that older versions kept in clear (see `store::at_rest`).
        dignity_store::at_rest::encrypt_clear_fields(store)
            .await
            .context("encrypting fields stored in clear")?;
    }
    // Erasures a crash cut off are completed (and applied again to a restored older
    // backup), then persons still under the data key get keys of their own
    // (`store::shred`).
    dignity_store::shred::finish_erasures(store)
        .await
        .context("completing erasures")?;
    if done {
        return Ok(());
    }
    let keyed = dignity_store::shred::key_persons(store)
        .await
        .context("giving persons keys of their own")?;
    // Event titles are filtered through keyed word tokens: those of events written before
    // them are made here.
    dignity_store::violations::fill_title_words(store)
        .await
        .context("keying the words of event titles")?;
    // Keyed tokens of the cases' region and community (after the values are encrypted).
    dignity_store::protection::ensure_label_keys(store)
        .await
        .context("keying regions and communities")?;
    dignity_store::protection::sources::ensure_match_keys(store)
        .await
        .context("keying source records")?;
    // Persons left under the data key (a value that did not decrypt) are tried again at
    // the next opening: no marker yet.
    if keyed.failed == 0 {
        dignity_store::upgrade::mark_done(store)
            .await
            .context("recording the upgrade marker")?;
    }
    Ok(())
}

/// A password from standard input (first line), or a generated one to print.
fn password_input(generate: bool) -> Result<(String, bool)> {
    let stdin = std::io::stdin();
    if !generate && !stdin.is_terminal() {
        let mut s = String::new();
        stdin.lock().read_to_string(&mut s)?;
        let line = s.lines().next().unwrap_or("").to_string();
        if !line.is_empty() {
            return Ok((line, false));
        }
    }
    Ok((dignity_core::password::generate(), true))
}

async fn find_user(store: &Store, name: &str) -> Result<accounts::User> {
    accounts::by_username(store, name)
        .await?
        .with_context(|| format!("no user named {name:?}"))
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let code = match run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            2
        }
    };
    std::process::exit(code);
}

async fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Serve(s) => {
            let cfg = config::resolve(&given(&cli.global, &s))?;
            init_logging(&cfg);
            serve(cfg, s.demo, s.hsts).await?;
        }
        Command::Config(s) => {
            let cfg = config::resolve(&given(&cli.global, &s))?;
            print!("{}", cfg.to_masked_toml());
        }
        Command::User(cmd) => {
            let cfg = config::resolve(&given(&cli.global, &ServeArgs::default()))?;
            let store = open(&cfg).await?;
            user_cmd(&store, cmd).await?;
        }
        Command::Token(TokenCmd::Create { user, name }) => {
            let cfg = config::resolve(&given(&cli.global, &ServeArgs::default()))?;
            let store = open(&cfg).await?;
            let u = find_user(&store, &user).await?;
            if u.disabled {
                anyhow::bail!("user {user:?} is disabled");
            }
            let mut tx = store.begin(&cli_actor()).await?;
            let (_, token) = accounts::create_token(&mut tx, u.id, &name).await?;
            tx.commit().await?;
            println!("{token}");
        }
        Command::Audit(cmd) => {
            let cfg = config::resolve(&given(&cli.global, &ServeArgs::default()))?;
            let store = Store::open(&cfg.open_options()).await?;
            return audit_cmd(&store, cmd).await;
        }
        Command::Team(cmd) => {
            let cfg = config::resolve(&given(&cli.global, &ServeArgs::default()))?;
            let store = open(&cfg).await?;
            return ops::team_cmd(&store, &cli_actor(), &cmd).await;
        }
        Command::Backup(a) => {
            let cfg = config::resolve(&given(&cli.global, &ServeArgs::default()))?;
            if a.verify {
                return ops::backup_cmd(None, &cfg, &a).await;
            }
            let store = Store::open(&cfg.open_options()).await?;
            return ops::backup_cmd(Some(&store), &cfg, &a).await;
        }
        Command::Restore(a) => {
            let cfg = config::resolve(&given(&cli.global, &ServeArgs::default()))?;
            return ops::restore_cmd(&cfg.open_options(), &a).await;
        }
        Command::MigrateStore(a) => {
            let cfg = config::resolve(&given(&cli.global, &ServeArgs::default()))?;
            let store = Store::open(&cfg.open_options()).await?;
            return ops::migrate_cmd(&store, &a).await;
        }
        Command::Keys(cmd) => {
            let cfg = config::resolve(&given(&cli.global, &ServeArgs::default()))?;
            if let Some(code) = ops::key_file_cmd(&cfg, &cmd).await? {
                return Ok(code);
            }
            let store = Store::open(&cfg.open_options()).await?;
            return ops::keys_cmd(&store, &cmd).await;
        }
        Command::Import(cmd) => {
            let cfg = config::resolve(&given(&cli.global, &ServeArgs::default()))?;
            return import::run(&open(&cfg).await?, &cli_actor(), cmd).await;
        }
        Command::Refdata(cmd) => {
            let cfg = config::resolve(&given(&cli.global, &ServeArgs::default()))?;
            return refdata::run(&open(&cfg).await?, &cli_actor(), cmd).await;
        }
        // -- commands of the areas of the product
        Command::Demo(cmd) => {
            let cfg = config::resolve(&given(&cli.global, &ServeArgs::default()))?;
            return violations::demo(&open(&cfg).await?, cmd).await;
        }
        Command::Person(cmd) => {
            let cfg = config::resolve(&given(&cli.global, &ServeArgs::default()))?;
            return shred::run(&open(&cfg).await?, &cli_actor(), cmd).await;
        }
        Command::Evidence(cmd) => {
            let cfg = config::resolve(&given(&cli.global, &ServeArgs::default()))?;
            return violations::evidence_cmd(&open(&cfg).await?, cmd).await;
        }
        Command::Reindex(a) => {
            let cfg = config::resolve(&given(&cli.global, &ServeArgs::default()))?;
            return search::reindex(&cfg, &a).await;
        }
        Command::Link(a) => {
            tokio::task::spawn_blocking(move || dignity_stats::cli::run_link(&a)).await??;
        }
        Command::Estimate(a) => {
            tokio::task::spawn_blocking(move || dignity_stats::cli::run_estimate(&a)).await??;
        }
    }
    Ok(0)
}

async fn user_cmd(store: &Store, cmd: UserCmd) -> Result<()> {
    match cmd {
        UserCmd::Add {
            name,
            role,
            display_name,
            generate_password,
        } => {
            let role: Role = role.parse().map_err(|e: String| anyhow::anyhow!(e))?;
            let (pw, generated) = password_input(generate_password)?;
            let mut tx = store.begin(&cli_actor()).await?;
            let u = accounts::create(&mut tx, &name, &display_name, role, &pw).await?;
            tx.commit().await?;
            if generated {
                println!("created {} ({}) with password: {pw}", u.username, u.role);
            } else {
                println!("created {} ({})", u.username, u.role);
            }
        }
        UserCmd::List { format } => {
            let users = accounts::list(store).await?;
            if format == "json" {
                println!("{}", serde_json::to_string_pretty(&users)?);
            } else {
                println!(
                    "{:<24} {:<12} {:<9} {:<4} display name",
                    "username", "role", "status", "2fa"
                );
                for u in users {
                    println!(
                        "{:<24} {:<12} {:<9} {:<4} {}",
                        u.username,
                        u.role.as_str(),
                        if u.disabled { "disabled" } else { "active" },
                        if u.totp_enabled { "yes" } else { "no" },
                        u.display_name
                    );
                }
            }
        }
        UserCmd::Disable { name } => {
            let u = find_user(store, &name).await?;
            let mut tx = store.begin(&cli_actor()).await?;
            accounts::set_disabled(&mut tx, u.id, true).await?;
            tx.commit().await?;
            println!("disabled {}", u.username);
        }
        UserCmd::Enable { name } => {
            let u = find_user(store, &name).await?;
            let mut tx = store.begin(&cli_actor()).await?;
            accounts::set_disabled(&mut tx, u.id, false).await?;
            tx.commit().await?;
            println!("enabled {}", u.username);
        }
        UserCmd::ResetPassword {
            name,
            generate_password,
        } => {
            let u = find_user(store, &name).await?;
            let (pw, generated) = password_input(generate_password)?;
            let mut tx = store.begin(&cli_actor()).await?;
            accounts::set_password(&mut tx, u.id, &pw).await?;
            tx.commit().await?;
            if generated {
                println!("new password for {}: {pw}", u.username);
            } else {
                println!("password of {} changed", u.username);
            }
        }
    }
    Ok(())
}

async fn audit_cmd(store: &Store, cmd: AuditCmd) -> Result<i32> {
    match cmd {
        AuditCmd::Verify { format } => {
            let r = audit::verify_log(store).await?;
            if format == "json" {
                println!(
                    "{}",
                    serde_json::json!({ "ok": r.ok(), "checked": r.checked, "anchored": r.anchored,
                        "problems": r.problems.iter().map(|p| p.to_string()).collect::<Vec<_>>() })
                );
            } else if r.ok() {
                println!("audit log intact: {} entries verified", r.checked);
                if !r.anchored {
                    println!("note: no anchor file in the data directory; deletions at the very end cannot be detected");
                }
            } else {
                println!(
                    "AUDIT LOG TAMPERED WITH: {} problem(s) in {} entries",
                    r.problems.len(),
                    r.checked
                );
                for p in &r.problems {
                    println!("  - {p}");
                }
            }
            Ok(if r.ok() { 0 } else { 1 })
        }
        AuditCmd::List {
            limit,
            actor,
            action,
        } => {
            let f = audit::AuditFilter {
                actor,
                action,
                ..Default::default()
            };
            for e in audit::list(store, &f, limit, 0).await? {
                println!(
                    "{:>6} {} {:<20} {:<24} {}:{} {}",
                    e.seq, e.at, e.actor_name, e.action, e.record_type, e.record_id, e.details
                );
            }
            Ok(0)
        }
    }
}

async fn serve(cfg: Config, demo: bool, hsts: bool) -> Result<()> {
    let _lock = dignity_store::DataDirLock::acquire(&cfg.data_dir)?;
    let store = open(&cfg).await.context("cannot start")?;
    tracing::info!(backend = ?store.backend(), data_dir = %cfg.data_dir.display(), "store ready");
    dignity_store::violations::evidence::clean_at_start(&store);
    // Evidence files stored in clear by an older version are encrypted before serving.
    dignity_store::violations::evidence::encrypt_clear_files(&store);
    let listener = tokio::net::TcpListener::bind(&cfg.listen)
        .await
        .with_context(|| format!("cannot listen on {}", cfg.listen))?;
    let addr = listener.local_addr()?;
    let base = cfg
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"));
    if demo && accounts::count_users(&store).await? == 0 {
        add_demo_data(&store).await.context("demo data")?;
    }
    if accounts::count_admins(&store).await? == 0 {
        let token = accounts::create_setup_token(&store).await?;
        println!("No accounts yet. Create the first administrator at:\n\n    {base}/setup?token={token}\n\n(valid 24 hours, once)");
    }
    let shutdown = shutdown_signal()?;
    println!("Dignity is listening on http://{addr}");
    let web = dignity_web::WebConfig {
        secure_cookies: base.starts_with("https://"),
        public_url: cfg.public_url.clone(),
        hsts: hsts || base.starts_with("https://"),
        // The largest request body (forms, JSON, API imports); evidence uploads have
        // their own limit (DIGNITY_MAX_UPLOAD_BYTES / the upload setting).
        max_body_bytes: std::env::var("DIGNITY_MAX_BODY_BYTES")
            .ok()
            .and_then(|v| v.parse().ok()),
    };
    let state = search::attach(dignity_web::AppState::new(store.clone(), web)).await?;
    // A key rotation interrupted by a crash or a stop resumes in the background, with the
    // key it started with (`dignity_web::keys_admin`).
    dignity_web::keys_admin::resume_at_start(&state)
        .await
        .context("resuming the interrupted key rotation")?;
    let app = dignity_web::router(state);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await?;
    tracing::info!("shutting down: closing the database");
    store.close().await;
    Ok(())
}

/// Demonstration data for a new installation (see `demo.rs`).
async fn add_demo_data(store: &Store) -> Result<()> {
    let s = demo::add(store, &cli_actor()).await?;
    println!(
        "Demo data: {} cases, {} UPR recommendations, {} defenders, {} missing persons (synthetic people).\n\
         Sign in as demo-documenter or demo-coordinator with the password: {}",
        s.cases, s.recommendations, s.defenders, s.missing, s.password
    );
    Ok(())
}

/// Resolves on SIGINT or SIGTERM. The handlers are installed when this is called (before
/// the server announces that it listens), so a signal sent right after start-up is not lost.
fn shutdown_signal() -> Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
        let mut int = signal(SignalKind::interrupt()).context("cannot listen for SIGINT")?;
        Ok(async move {
            tokio::select! { _ = term.recv() => {}, _ = int.recv() => {} }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}
