//! Property-based fuzzing of the inputs orgscope reads from users' files: the credentials-file
//! merger keeps every other byte, the snapshot loader and the config parser never panic and answer
//! bad input with one clear line. `PROPTEST_CASES` lengthens a run.

use orgscope::export::credentials_file::merge;
use orgscope::model::Snapshot;
use proptest::prelude::*;

fn section() -> impl Strategy<Value = String> {
    (
        "[a-z][a-z0-9-]{0,8}",
        prop::collection::vec(("[a-z_]{1,10}", "[ =]{0,3}", "[ -~]{0,20}"), 0..4),
        prop::sample::select(vec!["", "\n", "# comment\n", "; note\n\n"]),
    )
        .prop_map(|(name, lines, tail)| {
            let mut text = format!("[{name}]\n");
            for (key, eq, value) in lines {
                let value = value.replace(['[', ']'], "");
                text.push_str(&format!("{key}{eq}={value}\n"));
            }
            text.push_str(tail);
            text
        })
}

proptest! {
    #[test]
    fn merging_a_new_profile_keeps_every_other_byte(
        head in "(# [ -~]{0,30}\n){0,2}",
        sections in prop::collection::vec(section(), 0..5),
    ) {
        let existing = format!("{head}{}", sections.concat());
        prop_assume!(!existing.contains("[orgscope-new]"));
        let block = "[orgscope-new]\naws_access_key_id = A\n";
        let merged = merge(&existing, "orgscope-new", block);
        prop_assert!(merged.starts_with(existing.trim_end_matches('\n')));
        prop_assert!(merged.ends_with(block));
        // Writing it again replaces it in place: one copy, everything else unchanged.
        let again = merge(&merged, "orgscope-new", "[orgscope-new]\naws_access_key_id = B\n");
        prop_assert_eq!(again.matches("[orgscope-new]").count(), 1);
        prop_assert_eq!(again, merged.replace(block, "[orgscope-new]\naws_access_key_id = B\n"));
    }

    #[test]
    fn the_snapshot_loader_never_panics(text in ".{0,300}") {
        if let Err(err) = Snapshot::from_json(&text, "fuzz") {
            prop_assert!(!err.to_string().is_empty());
        }
    }

    #[test]
    fn a_mutated_demo_snapshot_is_loaded_or_refused_cleanly(cut in 0usize..40_000, byte in any::<u8>()) {
        let demo = orgscope::source::snapshot::DEMO_JSON;
        let mut bytes = demo.as_bytes().to_vec();
        let at = cut % bytes.len();
        bytes[at] = byte;
        let text = String::from_utf8_lossy(&bytes);
        let _ = Snapshot::from_json(&text, "fuzz");
        let _ = Snapshot::from_json(&demo[..demo.len().min(cut)], "fuzz");
    }

    #[test]
    fn the_config_parser_never_panics_and_errors_are_one_line(text in "([a-z_.\\[\\]\"= 0-9\n]{0,60})") {
        if let Err(err) = orgscope::config::parse(&text, "fuzz.toml") {
            prop_assert_eq!(err.to_string().lines().count(), 1, "{}", err);
        }
    }
}
