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
#[path = "filter_tests.rs"]
mod tests;
