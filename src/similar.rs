//! How close a name someone typed is to a known one, for "did you mean" lists (accounts,
//! principals): Jaro–Winkler on the lower-cased names, plus a bonus when one contains the other.

/// The score at which a name is offered as a close match.
pub const CLOSE: f64 = 0.7;

/// How close `wanted` is to `candidate`, case-insensitively (0 to 1.5).
pub fn score(wanted: &str, candidate: &str) -> f64 {
    let (wanted, candidate) = (wanted.to_lowercase(), candidate.to_lowercase());
    let mut score = strsim::jaro_winkler(&wanted, &candidate);
    if candidate.contains(&wanted) || wanted.contains(&candidate) {
        score += 0.5;
    }
    score
}

/// The (at most five) names of `scored` that are close, best first.
pub fn closest<T>(mut scored: Vec<(f64, T)>) -> Vec<T> {
    scored.retain(|(score, _)| *score >= CLOSE);
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.into_iter().take(5).map(|(_, name)| name).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn typos_and_parts_are_close_and_strangers_are_not() {
        assert!(super::score("jnae", "jane") >= super::CLOSE);
        assert!(super::score("prod", "payments-prod") >= super::CLOSE, "a part of the name");
        assert!(super::score("zzz", "payments-prod") < super::CLOSE);
        assert_eq!(super::closest(vec![(0.2, "far"), (0.9, "near"), (1.2, "nearest")]), ["nearest", "near"]);
    }
}
