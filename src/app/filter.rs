//! `/`: the fuzzy filter over accounts. The query's words of the form `key:value` narrow by state
//! (`state:blocked`, `joined:invited`, `status:suspended`); the rest is matched fuzzily (nucleo)
//! against each account's name, and as a substring against its id, email, OU path and tags. Matching accounts stay with their OU
//! ancestors; the matched characters of names are highlighted.

use nucleo_matcher::pattern::{AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use super::tree::{NodeData, TreeView};
use crate::model::{AccessState, ProbeStatus};

/// What a filter matched.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FilterResult {
    pub query: String,
    /// Per node: shown (a matching account, or an ancestor of one).
    pub visible: Vec<bool>,
    /// The words matched fuzzily against names (the query without its `key:value` words).
    text: String,
    /// Matching accounts: the best first, the rest in tree order (after a swap).
    pub ranked: Vec<usize>,
}

impl FilterResult {
    pub fn count(&self) -> usize {
        self.ranked.len()
    }

    /// Marks matched characters in names. Made once per frame and used for the rows on screen
    /// only, so a keystroke that matches 10,000 names does not compute 10,000 highlights.
    pub fn highlighter(&self) -> Highlighter {
        Highlighter {
            pattern: (!self.text.is_empty())
                .then(|| Pattern::new(&self.text, CaseMatching::Ignore, Normalization::Smart, AtomKind::Fuzzy)),
            matcher: Matcher::new(Config::DEFAULT),
            buffer: Vec::new(),
        }
    }
}

/// See [`FilterResult::highlighter`].
pub struct Highlighter {
    pattern: Option<Pattern>,
    matcher: Matcher,
    buffer: Vec<char>,
}

impl Highlighter {
    /// The matched character positions in `name`, when the name matched.
    pub fn positions(&mut self, name: &str) -> Option<Vec<u32>> {
        let pattern = self.pattern.as_ref()?;
        let mut indices = Vec::new();
        pattern.indices(Utf32Str::new(name, &mut self.buffer), &mut self.matcher, &mut indices)?;
        indices.sort_unstable();
        indices.dedup();
        Some(indices)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum StateFilter {
    State(String),
    Joined(String),
    Status(String),
}

fn parse(query: &str) -> (Vec<StateFilter>, String) {
    let mut states = Vec::new();
    let mut words = Vec::new();
    for word in query.split_whitespace() {
        match word.split_once(':') {
            Some(("state", value)) => states.push(StateFilter::State(value.to_lowercase())),
            Some(("joined", value)) => states.push(StateFilter::Joined(value.to_uppercase())),
            Some(("status", value)) => states.push(StateFilter::Status(value.to_uppercase())),
            _ => words.push(word),
        }
    }
    (states, words.join(" "))
}

fn state_name(access: &AccessState) -> &'static str {
    match access {
        AccessState::Unknown => "unknown",
        AccessState::Probing => "probing",
        AccessState::Probed(outcome) => outcome.status.code(),
    }
}

fn passes(filter: &StateFilter, account: &crate::model::Account, access: &AccessState) -> bool {
    match filter {
        StateFilter::State(state) => {
            state_name(access) == state
                || (state == "suspended" && account.is_suspended())
                || (state == "skipped" && matches!(access, AccessState::Probed(o) if o.status == ProbeStatus::Skipped))
        }
        StateFilter::Joined(method) => account.joined_method.as_deref() == Some(method.as_str()),
        StateFilter::Status(status) => account.status.as_deref() == Some(status.as_str()),
    }
}

/// Filters `tree` by `query`.
pub fn apply(tree: &TreeView, query: &str) -> FilterResult {
    let (states, text) = parse(query);
    let mut matcher = Matcher::new(Config::DEFAULT);
    let pattern = Pattern::new(&text, CaseMatching::Ignore, Normalization::Smart, AtomKind::Fuzzy);
    // Names match fuzzily; the long rest (id, email, OU path, tags) by substring, or a scattered
    // fuzzy hit across it would match nearly everything.
    let exact = Pattern::new(&text, CaseMatching::Ignore, Normalization::Smart, AtomKind::Substring);
    let mut visible = vec![false; tree.nodes.len()];
    let mut scored: Vec<(u32, usize)> = Vec::new();
    let mut buffer = Vec::new();
    let search = if text.is_empty() { &[][..] } else { tree.search_texts() };
    for (index, node) in tree.nodes.iter().enumerate() {
        let NodeData::Account { account, access } = &node.data else { continue };
        if !states.iter().all(|f| passes(f, account, access)) {
            continue;
        }
        let score = if text.is_empty() {
            Some(0)
        } else if let Some(score) = pattern.score(Utf32Str::new(&account.name, &mut buffer), &mut matcher) {
            // A hit in the name ranks above one found only elsewhere.
            Some(score.saturating_add(1_000))
        } else {
            let haystack = search.get(index).map(String::as_str).unwrap_or_default();
            exact.score(Utf32Str::new(haystack, &mut buffer), &mut matcher)
        };
        if let Some(score) = score {
            scored.push((score, index));
            let mut cursor = Some(index);
            while let Some(i) = cursor {
                if visible[i] {
                    break;
                }
                visible[i] = true;
                cursor = tree.nodes[i].parent;
            }
        }
    }
    // Only the best match is selected, so it goes first; sorting all of them would cost a
    // keystroke that matches every account more than the matching itself.
    let best = (0..scored.len()).max_by(|&a, &b| scored[a].0.cmp(&scored[b].0).then(scored[b].1.cmp(&scored[a].1)));
    if let Some(best) = best {
        scored.swap(0, best);
    }
    FilterResult { query: query.to_string(), text, visible, ranked: scored.into_iter().map(|(_, i)| i).collect() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Account, Caller, Node, Org, OrgInfo, Ou, ProbeOutcome, Reason, Root};

    fn account(id: &str, name: &str, joined: &str) -> Node {
        Node::Account(Account {
            email: Some(format!("{name}@example.com")),
            joined_method: Some(joined.into()),
            tags: Some([("team".to_string(), "ledger".to_string())].into()),
            ..Account::fixture(id, name)
        })
    }

    fn tree() -> TreeView {
        let org = Org {
            organization: OrgInfo { id: "o".into(), management_account_id: "1".into(), feature_set: None },
            caller: Caller { account: "1".into(), arn: "arn".into() },
            roots: vec![Root {
                id: "r".into(),
                name: "Root".into(),
                error: None,
                children: vec![
                    Node::Ou(Ou {
                        id: "ou-p".into(),
                        name: "Production".into(),
                        error: None,
                        children: vec![account("11", "payments-prod", "CREATED"), account("12", "web-prod", "INVITED")],
                    }),
                    Node::Ou(Ou {
                        id: "ou-s".into(),
                        name: "Sandbox".into(),
                        error: None,
                        children: vec![account("21", "sandbox-pay", "CREATED")],
                    }),
                ],
            }],
        };
        let mut view = TreeView::new(&org, None);
        view.set_access(
            "12",
            AccessState::Probed(ProbeOutcome {
                status: ProbeStatus::Blocked,
                reason: Some(Reason::AccessDenied),
                role_arn: None,
                message: None,
                hint: None,
            }),
        );
        view
    }

    fn ids(tree: &TreeView, result: &FilterResult) -> Vec<String> {
        result.ranked.iter().map(|&i| tree.nodes[i].id.clone()).collect()
    }

    #[test]
    fn matching_accounts_keep_their_ancestors() {
        let tree = tree();
        let result = apply(&tree, "web");
        assert_eq!(ids(&tree, &result), vec!["12"]);
        let shown: Vec<&str> =
            (0..tree.nodes.len()).filter(|&i| result.visible[i]).map(|i| tree.nodes[i].id.as_str()).collect();
        assert_eq!(shown, vec!["r", "ou-p", "12"]);
        let mut highlighter = result.highlighter();
        assert_eq!(highlighter.positions("web-prod"), Some(vec![0, 1, 2]));
        assert_eq!(highlighter.positions("payments-prod"), None);
    }

    #[test]
    fn a_closer_name_ranks_first_and_other_fields_match_too() {
        let tree = tree();
        let result = apply(&tree, "pay");
        assert_eq!(ids(&tree, &result).len(), 2);
        assert_eq!(ids(&tree, &result)[0], "11", "a match at the start of the name ranks first");
        assert_eq!(ids(&tree, &apply(&tree, "sbpay"))[0], "21", "fuzzy: s…b…pay");
        assert_eq!(ids(&tree, &apply(&tree, "zzz")), Vec::<String>::new(), "nothing matches");
        assert_eq!(ids(&tree, &apply(&tree, "sandbox-pay@example")), vec!["21"], "email");
        assert_eq!(ids(&tree, &apply(&tree, "Production")).len(), 2, "OU path");
        assert_eq!(ids(&tree, &apply(&tree, "team=ledger")).len(), 3, "tags");
    }

    #[test]
    fn state_filters_narrow_by_state() {
        let tree = tree();
        assert_eq!(ids(&tree, &apply(&tree, "state:blocked")), vec!["12"]);
        assert_eq!(ids(&tree, &apply(&tree, "joined:invited")), vec!["12"]);
        assert_eq!(ids(&tree, &apply(&tree, "joined:created pay")).len(), 2);
        assert!(apply(&tree, "status:suspended").ranked.is_empty());
        assert_eq!(apply(&tree, "state:unknown").count(), 2);
    }
}
