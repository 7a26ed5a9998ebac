//! `/`: the fuzzy filter over accounts. The query's words of the form `key:value` narrow by state
//! (`state:blocked`, `joined:invited`, `status:suspended`); every other word must match the
//! account, fuzzily (nucleo) against its name or as a substring of its id, email, OU path or tags.
//! Matching accounts stay with their OU ancestors; the matched characters of names are highlighted.
//!
//! Typing narrows: when the new query only extends the last one, only the last one's matches are
//! searched again, and only for the words that changed, so a keystroke over 10,000 accounts stays
//! well under the 2 ms a frame can spare.

use nucleo_matcher::pattern::{Atom, AtomKind, CaseMatching, Normalization};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use super::arena::{NodeData, TreeView};
use crate::model::{AccessState, ProbeStatus, RawText};

/// A word found in the name ranks above one found only elsewhere.
const NAME_HIT: u32 = 1_000;

/// A word found whole in the name ranks above one found scattered (`team39` in `team39-api`
/// above `t…e…a…m…3…9`).
const WHOLE_HIT: u32 = 2_000;

/// What a filter matched.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FilterResult {
    pub query: String,
    /// Per node: shown (a matching account, or an ancestor of one).
    pub visible: Vec<bool>,
    /// Matching accounts, in tree order.
    pub matches: Vec<usize>,
    /// The best-scored match (the first of them on a tie).
    pub best: Option<usize>,
    states: Vec<StateFilter>,
    /// The words matched against names and the rest (the query without its `key:value` words).
    words: Vec<String>,
    /// Per match, the score of each word: `scores[m * words.len() + w]`.
    scores: Vec<u32>,
    /// The tree's revision this was computed on; only then can the next keystroke build on it.
    revision: u64,
}

impl FilterResult {
    /// What the tree shows for this result: the mask of shown nodes and the node to select.
    pub fn shown(&self) -> (Vec<bool>, Option<usize>) {
        (self.visible.clone(), self.best)
    }

    pub fn count(&self) -> usize {
        self.matches.len()
    }

    /// The tree revision this result describes.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Marks matched characters in names. Made once per frame and used for the rows on screen
    /// only, so a keystroke that matches 10,000 names does not compute 10,000 highlights.
    pub fn highlighter(&self) -> Highlighter {
        Highlighter {
            atoms: self.words.iter().map(|word| atom(word)).collect(),
            matcher: Matcher::new(Config::DEFAULT),
            buffer: Vec::new(),
        }
    }

    /// Whether `self` (on the same tree) holds every match of `words` under `states`: the same
    /// states, and words that only extend these (typing on, never deleting).
    fn narrows_to(&self, revision: u64, states: &[StateFilter], words: &[String]) -> bool {
        let Some((last, settled)) = self.words.split_last() else {
            return self.revision == revision && self.states == states;
        };
        self.revision == revision
            && self.states == states
            && words.len() >= self.words.len()
            && words[..settled.len()] == *settled
            && words[settled.len()].starts_with(last.as_str())
    }
}

fn atom(word: &str) -> Atom {
    Atom::new(word, CaseMatching::Ignore, Normalization::Smart, AtomKind::Fuzzy, false)
}

/// See [`FilterResult::highlighter`].
pub struct Highlighter {
    atoms: Vec<Atom>,
    matcher: Matcher,
    buffer: Vec<char>,
}

impl Highlighter {
    /// The character positions in `name` that the query's words matched, if any did.
    pub fn positions(&mut self, name: &str) -> Option<Vec<u32>> {
        let mut indices = Vec::new();
        for atom in &self.atoms {
            atom.indices(Utf32Str::new(name, &mut self.buffer), &mut self.matcher, &mut indices);
        }
        indices.sort_unstable();
        indices.dedup();
        (!indices.is_empty()).then_some(indices)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum StateFilter {
    State(String),
    Joined(String),
    Status(String),
    /// `changed:` (anything), `changed:new`, `changed:moved`, `changed:renamed`, `changed:status`,
    /// `changed:access`, `changed:blocked` (its access changed and it is blocked now).
    Changed(String),
}

fn parse(query: &str) -> (Vec<StateFilter>, Vec<String>) {
    let mut states = Vec::new();
    let mut words = Vec::new();
    for word in query.split_whitespace() {
        match word.split_once(':') {
            Some(("state", value)) => states.push(StateFilter::State(value.to_lowercase())),
            Some(("joined", value)) => states.push(StateFilter::Joined(value.to_uppercase())),
            Some(("status", value)) => states.push(StateFilter::Status(value.to_uppercase())),
            Some(("changed", value)) => states.push(StateFilter::Changed(value.to_lowercase())),
            _ => words.push(word.to_string()),
        }
    }
    (states, words)
}

fn state_name(access: &AccessState) -> &'static str {
    match access {
        AccessState::Unknown => "unknown",
        AccessState::Probing => "probing",
        AccessState::Probed(outcome) => outcome.status.code(),
    }
}

fn passes(filter: &StateFilter, node: &super::arena::TreeNode) -> bool {
    use crate::diff::ChangeKind;
    let NodeData::Account { account, access } = &node.data else { return false };
    match filter {
        StateFilter::State(state) => {
            state_name(access) == state
                || (state == "suspended" && account.is_suspended())
                || (state == "skipped" && matches!(access, AccessState::Probed(o) if o.status == ProbeStatus::Skipped))
        }
        StateFilter::Joined(method) => account.joined_method.as_deref() == Some(method.as_str()),
        StateFilter::Status(status) => account.status.as_deref() == Some(status.as_str()),
        StateFilter::Changed(what) => {
            let has = |kind| node.changes.contains(&kind);
            match what.as_str() {
                "" => !node.changes.is_empty(),
                "new" | "added" => has(ChangeKind::AccountAdded),
                "moved" => has(ChangeKind::AccountMoved),
                "renamed" => has(ChangeKind::AccountRenamed),
                "status" => has(ChangeKind::AccountStatus),
                "access" => has(ChangeKind::AccessChanged),
                "blocked" => has(ChangeKind::AccessChanged) && access.is_blocked(),
                _ => false,
            }
        }
    }
}

/// What the filter searches, in two contiguous buffers scanned in tree order: every account's
/// name as it is, and its id, email, OU path and tags in lowercase ("the rest"). A keystroke over
/// 10,000 accounts reads these rather than chasing each account's own allocations.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchIndex {
    names: String,
    rests: String,
    /// Per node: where its name and its rest end (each starts where the node before ended).
    ends: Vec<(usize, usize)>,
    /// The names in lowercase, and where each ends.
    lower_names: String,
    lower_ends: Vec<usize>,
}

impl SearchIndex {
    pub fn new(tree: &TreeView) -> SearchIndex {
        let mut index = SearchIndex { ends: Vec::with_capacity(tree.nodes.len()), ..SearchIndex::default() };
        for (i, node) in tree.nodes.iter().enumerate() {
            if let NodeData::Account { account, .. } = &node.data {
                index.names.push_str(account.name.raw());
                index.lower_names.push_str(&account.name.raw().to_lowercase());
                let mut rest = format!(
                    "{} {} {}",
                    account.id,
                    account.email.raw().unwrap_or(""),
                    tree.path(i).iter().map(|n| n.raw()).collect::<Vec<_>>().join(" ")
                );
                for (key, value) in account.tags.iter().flatten() {
                    rest.push_str(&format!(" {key}={value}"));
                }
                index.rests.push_str(&rest.to_lowercase());
            }
            index.ends.push((index.names.len(), index.rests.len()));
            index.lower_ends.push(index.lower_names.len());
        }
        index
    }

    /// An account's name in lowercase (empty for other nodes).
    pub fn lower_name(&self, node: usize) -> &str {
        let start = node.checked_sub(1).and_then(|before| self.lower_ends.get(before)).copied().unwrap_or(0);
        self.lower_ends.get(node).map_or("", |&end| &self.lower_names[start..end])
    }

    fn starts(&self, node: usize) -> (usize, usize) {
        node.checked_sub(1).and_then(|before| self.ends.get(before)).copied().unwrap_or((0, 0))
    }

    /// An account's name (empty for other nodes).
    pub fn name(&self, node: usize) -> &str {
        let (start, _) = self.starts(node);
        self.ends.get(node).map_or("", |&(end, _)| &self.names[start..end])
    }

    /// An account's id, email, OU path and tags, lowercase (empty for other nodes).
    pub fn rest(&self, node: usize) -> &str {
        let (_, start) = self.starts(node);
        self.ends.get(node).map_or("", |&(_, end)| &self.rests[start..end])
    }
}

/// One word against one account: whole in the name first, else fuzzily in the name (but a run
/// of digits only whole: `39` is a number, not a 3 and a 9 anywhere), else as a substring of the
/// rest (the long rest by substring only, or a scattered fuzzy hit across it would match nearly
/// anything).
struct Word {
    atom: Atom,
    lowercase: String,
    /// The word's runs of digits, each of which the name must hold whole for a fuzzy hit.
    numbers: Vec<String>,
}

impl Word {
    fn new(word: &str) -> Word {
        let numbers =
            word.split(|c: char| !c.is_ascii_digit()).filter(|run| !run.is_empty()).map(str::to_string).collect();
        Word { atom: atom(word), lowercase: word.to_lowercase(), numbers }
    }

    fn score(
        &self,
        (name, lower_name, rest): (&str, &str, &str),
        matcher: &mut Matcher,
        buffer: &mut Vec<char>,
    ) -> Option<u32> {
        let fuzzy = self.atom.score(Utf32Str::new(name, buffer), matcher).map(u32::from);
        if lower_name.contains(self.lowercase.as_str()) {
            return Some(fuzzy.unwrap_or(0) + NAME_HIT + WHOLE_HIT);
        }
        match fuzzy {
            Some(score) if self.numbers.iter().all(|n| lower_name.contains(n.as_str())) => Some(score + NAME_HIT),
            _ => rest.contains(self.lowercase.as_str()).then_some(0),
        }
    }
}

/// Accounts to search, with the scores of the words they already matched.
struct Candidates<'a> {
    indices: &'a [usize],
    /// Per candidate, `stride` scores, of which the first `kept` still hold.
    scores: &'a [u32],
    stride: usize,
    kept: usize,
}

/// The matches among some candidates, in their order.
struct Found {
    matches: Vec<usize>,
    scores: Vec<u32>,
    best: Option<(u32, usize)>,
}

/// Scores `words` for every candidate: those matching every word are found.
fn search(index: &SearchIndex, words: &[Word], candidates: &Candidates) -> Found {
    let mut matcher = Matcher::new(Config::DEFAULT);
    let mut buffer = Vec::new();
    let mut found = Found {
        matches: Vec::with_capacity(candidates.indices.len()),
        scores: Vec::with_capacity(candidates.indices.len() * (candidates.kept + words.len())),
        best: None,
    };
    'candidates: for (m, &node) in candidates.indices.iter().enumerate() {
        let start = found.scores.len();
        let row = m * candidates.stride;
        found.scores.extend_from_slice(&candidates.scores[row..row + candidates.kept]);
        let texts = (index.name(node), index.lower_name(node), index.rest(node));
        for word in words {
            match word.score(texts, &mut matcher, &mut buffer) {
                Some(score) => found.scores.push(score),
                None => {
                    found.scores.truncate(start);
                    continue 'candidates;
                }
            }
        }
        let score: u32 = found.scores[start..].iter().sum();
        if found.best.is_none_or(|(best, _)| score > best) {
            found.best = Some((score, node));
        }
        found.matches.push(node);
    }
    found
}

/// Filters `tree` by `query`. `previous`, the result of the query before (the user typed one
/// more character), is built on when it narrows to this one; otherwise every account is searched.
pub fn apply(tree: &TreeView, index: &SearchIndex, query: &str, previous: Option<&FilterResult>) -> FilterResult {
    let (states, words) = parse(query);
    let previous = previous.filter(|p| p.narrows_to(tree.revision(), &states, &words));
    // Leading words unchanged since `previous` keep their scores.
    let kept = previous.map_or(0, |p| p.words.iter().zip(&words).take_while(|(a, b)| a == b).count());
    let fresh: Vec<Word> = words[kept..].iter().map(|word| Word::new(word)).collect();
    let everyone: Vec<usize>;
    let candidates = match previous {
        Some(previous) => {
            Candidates { indices: &previous.matches, scores: &previous.scores, stride: previous.words.len(), kept }
        }
        None => {
            everyone = (0..tree.nodes.len())
                .filter(|&i| {
                    matches!(tree.nodes[i].data, NodeData::Account { .. })
                        && states.iter().all(|f| passes(f, &tree.nodes[i]))
                })
                .collect();
            Candidates { indices: &everyone, scores: &[], stride: 0, kept: 0 }
        }
    };
    let found = search(index, &fresh, &candidates);
    let mut visible = vec![false; tree.nodes.len()];
    for &index in &found.matches {
        let mut cursor = Some(index);
        while let Some(i) = cursor {
            if visible[i] {
                break;
            }
            visible[i] = true;
            cursor = tree.nodes[i].parent;
        }
    }
    FilterResult {
        query: query.to_string(),
        visible,
        matches: found.matches,
        best: found.best.map(|(_, index)| index),
        states,
        words,
        scores: found.scores,
        revision: tree.revision(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Account, Caller, Node, Org, OrgInfo, Ou, Root};

    fn account(id: &str, name: &str, joined: &str) -> Node {
        Node::Account(Account {
            email: Some(format!("{name}@example.com").into()),
            joined_method: Some(joined.into()),
            tags: Some([("team".into(), "ledger".into())].into()),
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
        view.set_access("12", AccessState::blocked_fixture());
        view
    }

    /// The best match first, then the others in tree order.
    fn ids(tree: &TreeView, result: &FilterResult) -> Vec<String> {
        let rest = result.matches.iter().filter(|&&i| Some(i) != result.best);
        result.best.iter().chain(rest).map(|&i| tree.nodes[i].id.clone()).collect()
    }

    fn apply_new(tree: &TreeView, query: &str) -> FilterResult {
        apply(tree, &SearchIndex::new(tree), query, None)
    }

    #[test]
    fn matching_accounts_keep_their_ancestors() {
        let tree = tree();
        let result = apply_new(&tree, "web");
        assert_eq!(ids(&tree, &result), vec!["12"]);
        let shown: Vec<&str> =
            (0..tree.nodes.len()).filter(|&i| result.visible[i]).map(|i| tree.nodes[i].id.as_str()).collect();
        assert_eq!(shown, vec!["r", "ou-p", "12"]);
        let mut highlighter = result.highlighter();
        assert_eq!(highlighter.positions("web-prod"), Some(vec![0, 1, 2]));
        assert_eq!(highlighter.positions("payments-prod"), None);
    }

    #[test]
    fn the_rows_are_the_shown_nodes_in_tree_order() {
        let mut tree = tree();
        let (shown, best) = apply_new(&tree, "pay").shown();
        tree.set_shown(Some(shown), best);
        let rows: Vec<&str> = tree.rows.iter().map(|&i| tree.nodes[i].id.as_str()).collect();
        assert_eq!(rows, vec!["r", "ou-p", "11", "ou-s", "21"]);
        assert_eq!(tree.selected_node().map(|n| n.id.as_str()), Some("11"), "the best match is selected");
        tree.set_shown(None, None);
        assert_eq!(tree.rows.len(), tree.nodes.len(), "unfiltered and unfolded: every node");
    }

    #[test]
    fn a_closer_name_ranks_first_and_other_fields_match_too() {
        let tree = tree();
        let result = apply_new(&tree, "pay");
        assert_eq!(ids(&tree, &result).len(), 2);
        assert_eq!(ids(&tree, &result)[0], "11", "a match at the start of the name ranks first");
        assert_eq!(ids(&tree, &apply_new(&tree, "sbpay"))[0], "21", "fuzzy: s…b…pay");
        assert_eq!(ids(&tree, &apply_new(&tree, "zzz")), Vec::<String>::new(), "nothing matches");
        assert_eq!(ids(&tree, &apply_new(&tree, "sandbox-pay@example")), vec!["21"], "email");
        assert_eq!(ids(&tree, &apply_new(&tree, "Production")).len(), 2, "OU path");
        assert_eq!(ids(&tree, &apply_new(&tree, "team=ledger")).len(), 3, "tags");
    }

    /// A number in the query is a number: `team39` finds team39-* first and never team03 … team38
    /// (whose letters and digits it would reach scattered), while fuzzy letters still match.
    #[test]
    fn a_number_ranks_whole_and_never_scattered() {
        let accounts: Vec<Node> = (0..45)
            .map(|n| account(&format!("{:012}", 100 + n), &format!("team{n:02}-shard9"), "CREATED"))
            .chain([account("999999999999", "team39-api", "CREATED")])
            .collect();
        let org = Org {
            organization: OrgInfo { id: "o".into(), management_account_id: "1".into(), feature_set: None },
            caller: Caller { account: "1".into(), arn: "arn".into() },
            roots: vec![Root { id: "r".into(), name: "Root".into(), error: None, children: accounts }],
        };
        let tree = TreeView::new(&org, None);
        let result = apply_new(&tree, "team39");
        let names: Vec<String> = ids(&tree, &result)
            .iter()
            .filter_map(|id| tree.nodes.iter().find(|n| &n.id == id))
            .map(|n| n.name.to_string())
            .collect();
        assert!(names[0].starts_with("team39"), "{names:?}");
        assert!(names.iter().all(|n| n.starts_with("team39")), "no scattered number: {names:?}");
        assert_eq!(names.len(), 2, "{names:?}");
        assert_eq!(ids(&tree, &apply_new(&tree, "tm39api")).len(), 1, "letters still match fuzzily");
    }

    #[test]
    fn state_filters_narrow_by_state() {
        let tree = tree();
        assert_eq!(ids(&tree, &apply_new(&tree, "state:blocked")), vec!["12"]);
        assert_eq!(ids(&tree, &apply_new(&tree, "joined:invited")), vec!["12"]);
        assert_eq!(ids(&tree, &apply_new(&tree, "joined:created pay")).len(), 2);
        assert!(apply_new(&tree, "status:suspended").matches.is_empty());
        assert_eq!(apply_new(&tree, "state:unknown").count(), 2);
    }

    #[test]
    fn every_word_matches_the_name_or_the_rest() {
        let tree = tree();
        assert_eq!(ids(&tree, &apply_new(&tree, "payments 11")), vec!["11"], "name and id");
        assert_eq!(ids(&tree, &apply_new(&tree, "prod sandbox")), Vec::<String>::new(), "every word must match");
        let result = apply_new(&tree, "web 12");
        assert_eq!(ids(&tree, &result), vec!["12"]);
        assert_eq!(result.highlighter().positions("web-prod"), Some(vec![0, 1, 2]), "the words found in the name");
    }

    /// Typing a query one character at a time, each keystroke built on the one before, ends
    /// where searching the whole query at once does; so do the keystrokes that cannot build on
    /// the last (a new state word, an edited word).
    #[test]
    fn typing_narrows_to_what_a_fresh_search_finds() {
        let tree = tree();
        for query in ["pay prod", "payments 11", "state:unknown pay", "web 12", "pr pay", "x", "team=ledger 2"] {
            let mut previous: Option<FilterResult> = None;
            for end in query.char_indices().map(|(i, c)| i + c.len_utf8()) {
                let typed = apply(&tree, &SearchIndex::new(&tree), &query[..end], previous.as_ref());
                assert_eq!(typed, apply_new(&tree, &query[..end]), "after typing {:?}", &query[..end]);
                previous = Some(typed);
            }
        }
        for (before, now) in
            [("payments", "pay"), ("web", "pay"), ("web pay", "pay"), ("pay state:blocked", "pay state:unknown")]
        {
            let earlier = apply_new(&tree, before);
            let fresh = apply_new(&tree, now);
            assert!(fresh.count() > earlier.count(), "{now:?} finds more than {before:?}");
            assert_eq!(
                apply(&tree, &SearchIndex::new(&tree), now, Some(&earlier)),
                fresh,
                "from {before:?} to {now:?}"
            );
        }
    }

    #[test]
    fn a_result_from_before_an_account_changed_is_not_built_on() {
        let mut tree = tree();
        let before = apply_new(&tree, "state:blocked p");
        assert_eq!(ids(&tree, &before), vec!["12"]);
        tree.set_access("11", AccessState::blocked_fixture());
        let after = apply(&tree, &SearchIndex::new(&tree), "state:blocked pr", Some(&before));
        assert_eq!(ids(&tree, &after).len(), 2, "payments-prod is blocked now: {:?}", ids(&tree, &after));
    }

    /// A large tree: on a tie the first account in the tree is the best, and typing on finds
    /// what a fresh search does.
    #[test]
    fn over_thousands_of_accounts_a_tie_goes_to_the_first() {
        let accounts = (0..6_000).map(|i| account(&format!("{:012}", 100_000 + i), &format!("acct-{i:05}"), "CREATED"));
        let org = Org {
            organization: OrgInfo { id: "o".into(), management_account_id: "1".into(), feature_set: None },
            caller: Caller { account: "1".into(), arn: "arn".into() },
            roots: vec![Root { id: "r".into(), name: "Root".into(), error: None, children: accounts.collect() }],
        };
        let tree = TreeView::new(&org, None);
        let result = apply_new(&tree, "acct");
        assert_eq!(result.count(), 6_000);
        assert_eq!(result.best, Some(1), "every name scores the same: the first account wins");
        let narrowed = apply(&tree, &SearchIndex::new(&tree), "acct 0010", Some(&result));
        assert_eq!(narrowed, apply_new(&tree, "acct 0010"));
        assert!(narrowed.count() > 10, "0010 in names and ids: {}", narrowed.count());
    }
}
