//! `orgscope diff OLD NEW`: what changed between two runs, each a snapshot file, `-` (a live run
//! now) or `cached` (the profile's last cached run). Exit 0 when nothing changed, 5 when something
//! did, 2 for a file that is not a snapshot or two different organizations.

use super::args::DiffFormat;
use super::context::{Context, Mode};
use super::failure::{Failure, exit};
use crate::model::Snapshot;

async fn side(which: &str, cx: &Context) -> Result<Snapshot, Failure> {
    let usage = |message: String| Failure::usage(message);
    match which {
        "-" => super::snapshot::live(cx).await,
        // The demo's cached run is the one it ships, a week older (what the TUI's Δ marks show).
        "cached" if cx.mode() == Mode::Demo => {
            cx.source().await?.previous_snapshot().ok_or_else(|| usage("the demo holds no earlier run".into()))
        }
        "cached" => {
            let path = cx.snapshot_cache_path().ok_or_else(|| usage("no cache directory (or --no-cache)".into()))?;
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

pub async fn run(cx: &Context, old: &str, new: &str, format: DiffFormat) -> Result<u8, Failure> {
    let (old, new) = (side(old, cx).await?, side(new, cx).await?);
    let diff = crate::diff::diff(&old, &new).map_err(Failure::usage)?;
    let text = match format {
        DiffFormat::Json => serde_json::to_string_pretty(&diff).map_err(Failure::runtime)? + "\n",
        DiffFormat::Text => crate::diff::render_text(&diff),
    };
    super::print(&text)?;
    Ok(if diff.changes.is_empty() { exit::OK } else { exit::CHANGED })
}
