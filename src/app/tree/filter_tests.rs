//! Tests of [`super`] (filter.rs).

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
        assert_eq!(apply(&tree, &SearchIndex::new(&tree), now, Some(&earlier)), fresh, "from {before:?} to {now:?}");
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
