//! `dignity link` as a stand-alone program:
//! `cargo run -p dignity-stats --release --example link -- FILE.csv --id unique_id --pairs pairs.csv`

use clap::Parser;
use dignity_stats::cli::{run_link, LinkArgs};

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    args: LinkArgs,
}

fn main() {
    let cli = Cli::parse();
    if let Err(e) = run_link(&cli.args) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
