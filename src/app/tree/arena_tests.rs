//! Tests of [`super`] (arena.rs).

use super::*;

fn account(id: &str) -> Node {
    Node::Account(Account::fixture(id, &format!("acct-{id}")))
}

fn org() -> Org {
    let ou = Node::ou_fixture;
    Org::fixture(vec![ou("ou-a", "A", vec![ou("ou-b", "B", vec![account("3")]), account("2")]), account("1")])
}

fn blocked() -> AccessState {
    AccessState::blocked_fixture()
}

#[test]
fn small_orgs_open_fully_expanded_in_tree_order() {
    let view = TreeView::new(&org(), None);
    let ids: Vec<&str> = view.rows.iter().map(|&i| view.nodes[i].id.as_str()).collect();
    assert_eq!(ids, ["r-1", "ou-a", "ou-b", "3", "2", "1"]);
    assert_eq!(view.account_count(), 3);
    assert_eq!(view.nodes[view.index_of("ou-a").unwrap_or_default()].accounts, 2);
}

#[test]
fn blocked_counts_follow_access_changes_up_the_tree() {
    let mut view = TreeView::new(&org(), None);
    view.set_access("3", blocked());
    let count = |v: &TreeView, id: &str| v.index_of(id).map(|i| v.nodes[i].blocked);
    assert_eq!((count(&view, "ou-b"), count(&view, "ou-a"), count(&view, "r-1")), (Some(1), Some(1), Some(1)));
    view.set_access("3", AccessState::Probing);
    assert_eq!(view.blocked_count(), 0);
}

#[test]
fn collapse_hides_children_and_then_moves_to_the_parent() {
    let mut view = TreeView::new(&org(), None);
    view.select_id("ou-a");
    view.collapse();
    assert_eq!(view.rows.len(), 3);
    assert_eq!(view.selected_node().map(|n| n.id.as_str()), Some("ou-a"));
    view.collapse();
    assert_eq!(view.selected_node().map(|n| n.id.as_str()), Some("r-1"));
    view.select_id("3");
    assert_eq!(view.rows.len(), 6, "selecting a hidden node opens its ancestors");
}

#[test]
fn a_rebuild_keeps_selection_and_folds_by_id() {
    let mut view = TreeView::new(&org(), None);
    view.select_id("ou-b");
    view.collapse();
    view.select_id("2");
    let rebuilt = TreeView::new(&org(), Some(&view));
    assert_eq!(rebuilt.selected_node().map(|n| n.id.as_str()), Some("2"));
    assert!(!rebuilt.nodes[rebuilt.index_of("ou-b").unwrap_or_default()].expanded);
}

#[test]
fn next_and_previous_blocked_wrap_in_tree_order() {
    let mut view = TreeView::new(&org(), None);
    assert!(!view.select_blocked(true), "nothing blocked yet");
    view.set_access("3", blocked());
    view.set_access("1", blocked());
    let selected = |v: &TreeView| v.selected_node().map(|n| n.id.clone());
    assert!(view.select_blocked(true));
    assert_eq!(selected(&view).as_deref(), Some("3"));
    view.select_blocked(true);
    assert_eq!(selected(&view).as_deref(), Some("1"));
    view.select_blocked(true);
    assert_eq!(selected(&view).as_deref(), Some("3"), "wraps to the top");
    view.select_blocked(false);
    assert_eq!(selected(&view).as_deref(), Some("1"), "N goes back, wrapping to the bottom");
}

#[test]
fn probe_targets_carry_their_path_from_the_root() {
    let view = TreeView::new(&org(), None);
    let targets = view.probe_targets(view.index_of("ou-a").unwrap_or_default());
    let found: Vec<(&str, Vec<&str>)> =
        targets.iter().map(|t| (t.account.id.as_str(), t.path.iter().map(|(id, _)| id.as_str()).collect())).collect();
    assert_eq!(found, vec![("3", vec!["r-1", "ou-a", "ou-b"]), ("2", vec!["r-1", "ou-a"])]);
    assert_eq!(view.all_probe_targets().len(), 3);
}

#[test]
fn blocks_on_purpose_are_neither_counted_nor_jumped_to() {
    let mut view = TreeView::new(&org(), None);
    let expected = || {
        let mut outcome = AccessState::blocked_fixture().outcome().cloned().unwrap_or_default();
        outcome.expected = Some("the vault".into());
        AccessState::Probed(outcome)
    };
    view.set_access("3", expected());
    view.set_access("1", blocked());
    assert_eq!(view.blocked_count(), 1, "only the unexpected block counts");
    assert_eq!(view.expected_count(), 1);
    assert_eq!(view.nodes[view.index_of("ou-b").unwrap_or_default()].blocked, 0);
    let selected = |v: &TreeView| v.selected_node().map(|n| n.id.clone());
    assert!(view.select_blocked(true));
    assert_eq!(selected(&view).as_deref(), Some("1"));
    view.select_blocked(true);
    assert_eq!(selected(&view).as_deref(), Some("1"), "n skips the expected block");
    view.select_blocked(false);
    assert_eq!(selected(&view).as_deref(), Some("1"), "and so does N");
    // Marked expected later, the counters follow.
    view.set_access("1", expected());
    assert_eq!(view.blocked_count(), 0);
    assert_eq!(view.expected_count(), 2);
    view.set_access("3", AccessState::Probing);
    assert_eq!(view.expected_count(), 1, "re-probing takes it out until it answers");
    assert!(!view.select_blocked(true));
}
