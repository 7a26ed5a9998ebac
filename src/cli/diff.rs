//! `orgscope diff OLD NEW`: what changed between two runs, each a snapshot file, `-` (a live run
//! now) or `cached` (the profile's last cached run). Exit 0 when nothing changed, 5 when something
//! did, 2 for a file that is not a snapshot or two different organizations.

use std::io::Write;

use super::{Failure, GlobalArgs, exit};
use crate::model::Snapshot;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    Text,
    Json,
}

/// Something changed between the two runs.
pub const CHANGED: u8 = 5;

async fn side(which: &str, global: &GlobalArgs) -> Result<Snapshot, Failure> {
    let usage = |message: String| Failure { code: exit::USAGE, message };
    match which {
        "-" => super::snapshot::live(super::build_source(global).await?, global).await,
        "cached" => {
            let path = super::snapshot::cache_path(global).ok_or_else(|| usage("no cache directory".into()))?;
            if !path.exists() {
                return Err(usage(format!(
                    "there is no cached run at {}: run the TUI once (it caches every run), or give a snapshot file",
                    path.display()
                )));
            }
            Snapshot::from_file(&path).map_err(|err| usage(err.to_string()))
        }
        file => Snapshot::from_file(std::path::Path::new(file)).map_err(|err| usage(err.to_string())),
    }
}

pub async fn run(global: &GlobalArgs, old: &str, new: &str, format: DiffFormat) -> Result<u8, Failure> {
    let (old, new) = (side(old, global).await?, side(new, global).await?);
    let diff = crate::diff::diff(&old, &new).map_err(|err| Failure { code: exit::USAGE, message: err.to_string() })?;
    let text = match format {
        DiffFormat::Json => serde_json::to_string_pretty(&diff).map_err(Failure::runtime)? + "\n",
        DiffFormat::Text => crate::diff::render_text(&diff),
    };
    std::io::stdout().write_all(text.as_bytes()).map_err(Failure::runtime)?;
    Ok(if diff.changes.is_empty() { exit::OK } else { CHANGED })
}
