//! `dignity estimate` as a stand-alone program (used by
//! scripts/check-mse-statsmodels.py): `cargo run -p dignity-stats --example estimate -- FILE.csv --method loglinear --terms ''`

use clap::Parser;
use dignity_stats::cli::{run_estimate, EstimateArgs};

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    args: EstimateArgs,
}

fn main() {
    let cli = Cli::parse();
    if let Err(e) = run_estimate(&cli.args) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
