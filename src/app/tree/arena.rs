//! The organization flattened for the tree view: every root, OU and account is a node in one
//! arena, `rows` lists the nodes currently visible, and OU counters are kept up to date as access
//! states arrive. All of this is computed in `update`, never while drawing, so a frame only reads
//! the rows it shows (the one thing a frame computes is where the filter matched in those rows'
//! names: a few dozen rows, rather than every match on every keystroke).

use std::collections::{HashMap, HashSet};

use crate::app::cursor::ListCursor;
use crate::model::{AccessState, Account, ListingError, Node, Org, Text};

#[derive(Debug, Clone, PartialEq)]
pub enum NodeData {
    Root,
    Ou,
    Account { account: Box<Account>, access: AccessState },
}

#[derive(Debug, Clone, PartialEq)]
pub struct TreeNode {
    pub id: String,
    pub name: Text,
    pub depth: u16,
    pub parent: Option<usize>,
    pub children: Vec<usize>,
    pub data: NodeData,
    /// Set when this container could not be listed completely.
    pub error: Option<ListingError>,
    /// Accounts anywhere below this node (1 for an account itself).
    pub accounts: usize,
    /// Blocked accounts anywhere below this node.
    pub blocked: usize,
    /// What changed in this node since the previous run.
    pub changes: Vec<crate::diff::ChangeKind>,
    /// Accounts anywhere below this node that changed since the previous run.
    pub changed: usize,
    /// Principal mode: this account is reached (1), or how many accounts below this node are.
    pub reached: usize,
    /// Users and groups holding an admin-level permission set here, or anywhere below.
    pub admins: usize,
    pub expanded: bool,
}

impl TreeNode {
    pub fn is_container(&self) -> bool {
        !matches!(self.data, NodeData::Account { .. })
    }

    pub fn account(&self) -> Option<(&Account, &AccessState)> {
        match &self.data {
            NodeData::Account { account, access } => Some((account, access)),
            _ => None,
        }
    }
}

/// The flattened tree plus what the view shows of it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TreeView {
    pub nodes: Vec<TreeNode>,
    by_id: HashMap<String, usize>,
    /// Node indices of the visible rows, top to bottom.
    pub rows: Vec<usize>,
    /// The selection and scroll offset, over `rows`.
    pub cursor: ListCursor,
    /// Per node, shown while a filter is active (its matches and their ancestors, all unfolded).
    shown: Option<Vec<bool>>,
    /// Changes whenever what a search reads (names, ids, emails, paths, tags) does.
    content: u64,
    /// Changes whenever an account's data does (and is unique across views), so a filter result
    /// knows whether it still describes this tree.
    revision: u64,
    /// Accounts blocked on purpose, kept by [`TreeView::set_access`] (the status bar reads it).
    expected: usize,
}

fn next_revision() -> u64 {
    static REVISION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    REVISION.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// Organizations up to this many accounts open fully expanded; larger ones show their first level.
const EXPAND_ALL_UP_TO: usize = 300;

impl TreeView {
    /// Builds the view of `org`. When `previous` is given, its expanded nodes and selection carry
    /// over by id, so a refresh does not move the user.
    pub fn new(org: &Org, previous: Option<&TreeView>) -> TreeView {
        let mut view = TreeView { revision: next_revision(), content: next_revision(), ..TreeView::default() };
        for root in &org.roots {
            let index = view.push(None, &root.id, root.name.clone(), NodeData::Root, root.error.clone());
            view.add_children(index, &root.children);
        }
        match previous {
            Some(previous) if !previous.nodes.is_empty() => {
                let open: HashSet<&str> = previous.nodes.iter().filter(|n| n.expanded).map(|n| n.id.as_str()).collect();
                for node in &mut view.nodes {
                    node.expanded = open.contains(node.id.as_str());
                }
            }
            _ => {
                let expand_all = view.nodes.iter().filter(|n| !n.is_container()).count() <= EXPAND_ALL_UP_TO;
                for node in &mut view.nodes {
                    node.expanded = node.is_container() && (expand_all || node.depth == 0);
                }
            }
        }
        view.rebuild_rows();
        if let Some(id) = previous.and_then(TreeView::selected_node).map(|n| n.id.clone()) {
            view.select_id(&id);
        }
        view.cursor.offset = previous.map_or(0, |p| p.cursor.offset);
        view
    }

    fn push(
        &mut self,
        parent: Option<usize>,
        id: &str,
        name: Text,
        data: NodeData,
        error: Option<ListingError>,
    ) -> usize {
        let index = self.nodes.len();
        let depth = parent.map_or(0, |p| self.nodes[p].depth + 1);
        let accounts = usize::from(matches!(data, NodeData::Account { .. }));
        self.nodes.push(TreeNode {
            id: id.to_string(),
            name,
            depth,
            parent,
            children: Vec::new(),
            data,
            error,
            accounts,
            blocked: 0,
            changes: Vec::new(),
            changed: 0,
            reached: 0,
            admins: 0,
            expanded: false,
        });
        self.by_id.insert(id.to_string(), index);
        if let Some(parent) = parent {
            self.nodes[parent].children.push(index);
        }
        index
    }

    /// Pushes `children` and their subtrees depth first, so that `nodes` is in tree order.
    fn add_children(&mut self, parent: usize, children: &[Node]) {
        for child in children {
            match child {
                Node::Ou(ou) => {
                    let index = self.push(Some(parent), &ou.id, ou.name.clone(), NodeData::Ou, ou.error.clone());
                    self.add_children(index, &ou.children);
                    self.nodes[parent].accounts += self.nodes[index].accounts;
                }
                Node::Account(account) => {
                    let data = NodeData::Account { account: Box::new(account.clone()), access: AccessState::Unknown };
                    self.push(Some(parent), &account.id, account.name.clone(), data, None);
                    self.nodes[parent].accounts += 1;
                }
            }
        }
    }

    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    pub fn selected_node(&self) -> Option<&TreeNode> {
        self.rows.get(self.cursor.selected).map(|&i| &self.nodes[i])
    }

    pub fn selected_index(&self) -> Option<usize> {
        self.rows.get(self.cursor.selected).copied()
    }

    /// Records an account's access state and keeps the blocked counters above it right.
    pub fn set_access(&mut self, account_id: &str, state: AccessState) {
        let Some(index) = self.index_of(account_id) else { return };
        let NodeData::Account { access, .. } = &mut self.nodes[index].data else { return };
        let delta = isize::from(state.is_red()) - isize::from(access.is_red());
        self.expected = self
            .expected
            .saturating_add_signed(isize::from(state.is_expected_block()) - isize::from(access.is_expected_block()));
        *access = state;
        self.revision = next_revision();
        let mut cursor = Some(index);
        while let Some(i) = cursor {
            let node = &mut self.nodes[i];
            node.blocked = node.blocked.saturating_add_signed(delta);
            cursor = node.parent;
        }
    }

    /// Marks what changed since the previous run (by node id) and counts the changed accounts
    /// under every root and OU.
    pub fn set_changes(&mut self, changes: &std::collections::BTreeMap<String, Vec<crate::diff::Change>>) {
        for node in &mut self.nodes {
            node.changes.clear();
            node.changed = 0;
        }
        for (id, node_changes) in changes {
            let Some(index) = self.index_of(id) else { continue };
            self.nodes[index].changes = node_changes.iter().map(|c| c.kind).collect();
            if self.nodes[index].is_container() {
                continue;
            }
            let mut cursor = self.nodes[index].parent;
            while let Some(i) = cursor {
                self.nodes[i].changed += 1;
                cursor = self.nodes[i].parent;
            }
        }
        self.revision = next_revision();
    }

    /// Counts on every node the users and groups holding an admin-level permission set in it or
    /// below (`by_account`: account id → principal ids), each principal once per node.
    pub fn set_admins(&mut self, by_account: &std::collections::HashMap<String, Vec<String>>) {
        let mut holders: Vec<std::collections::BTreeSet<&str>> = vec![Default::default(); self.nodes.len()];
        for index in 0..self.nodes.len() {
            let Some(here) = by_account.get(&self.nodes[index].id).filter(|_| !self.nodes[index].is_container()) else {
                continue;
            };
            let mut cursor = Some(index);
            while let Some(i) = cursor {
                holders[i].extend(here.iter().map(String::as_str));
                cursor = self.nodes[i].parent;
            }
        }
        for (node, holders) in self.nodes.iter_mut().zip(holders) {
            node.admins = holders.len();
        }
    }

    /// Marks the accounts in `reached` (principal mode) and counts them on every OU and root
    /// above; an empty set clears the marks.
    pub fn set_reach(&mut self, reached: &std::collections::HashSet<&str>) {
        for node in &mut self.nodes {
            node.reached = 0;
        }
        for index in 0..self.nodes.len() {
            if self.nodes[index].is_container() || !reached.contains(self.nodes[index].id.as_str()) {
                continue;
            }
            self.nodes[index].reached = 1;
            let mut cursor = self.nodes[index].parent;
            while let Some(i) = cursor {
                self.nodes[i].reached += 1;
                cursor = self.nodes[i].parent;
            }
        }
    }

    /// Every account at or below `index`, with its `(id, name)` path from the root, for the probe.
    pub fn probe_targets(&self, index: usize) -> Vec<crate::probe::ProbeTarget> {
        let mut targets = Vec::new();
        let mut stack = vec![index];
        while let Some(i) = stack.pop() {
            let node = &self.nodes[i];
            if let NodeData::Account { account, .. } = &node.data {
                let mut path = Vec::new();
                let mut cursor = node.parent;
                while let Some(p) = cursor {
                    path.push((self.nodes[p].id.clone(), self.nodes[p].name.clone()));
                    cursor = self.nodes[p].parent;
                }
                path.reverse();
                targets.push(crate::probe::ProbeTarget { account: (**account).clone(), path });
            }
            stack.extend(node.children.iter().rev());
        }
        targets
    }

    /// Every account of the tree, for a probe of everything.
    pub fn all_probe_targets(&self) -> Vec<crate::probe::ProbeTarget> {
        let roots: Vec<usize> = (0..self.nodes.len()).filter(|&i| self.nodes[i].parent.is_none()).collect();
        roots.into_iter().flat_map(|r| self.probe_targets(r)).collect()
    }

    /// Selects the next (or previous) blocked account in tree order after the selection, wrapping
    /// around and expanding its OUs. False when nothing is blocked.
    pub fn select_blocked(&mut self, forward: bool) -> bool {
        let count = self.nodes.len();
        if count == 0 {
            return false;
        }
        let start = self.selected_index().unwrap_or(0);
        let found = (1..=count)
            .map(|step| if forward { (start + step) % count } else { (start + count * 2 - step) % count })
            .find(|&i| matches!(&self.nodes[i].data, NodeData::Account { access, .. } if access.is_red()));
        match found {
            Some(index) => {
                let id = self.nodes[index].id.clone();
                self.select_id(&id)
            }
            None => false,
        }
    }

    /// Changes whenever an account's access or tags do; unique across views.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Changes whenever an account's name, id, email, path or tags could have; unique across
    /// views. What a search index was built from.
    pub fn content(&self) -> u64 {
        self.content
    }

    /// Sets an account's tags.
    pub fn set_tags(&mut self, account_id: &str, tags: std::collections::BTreeMap<Text, Text>) {
        if let Some(index) = self.index_of(account_id)
            && let NodeData::Account { account, .. } = &mut self.nodes[index].data
        {
            account.tags = Some(tags);
            self.content = next_revision();
            self.revision = next_revision();
        }
    }

    /// Names from the root down to `index`, the node itself included.
    pub fn path(&self, index: usize) -> Vec<&Text> {
        let mut path = Vec::new();
        let mut cursor = Some(index);
        while let Some(i) = cursor {
            path.push(&self.nodes[i].name);
            cursor = self.nodes[i].parent;
        }
        path.reverse();
        path
    }

    pub fn account_count(&self) -> usize {
        self.nodes.iter().filter(|n| n.parent.is_none()).map(|n| n.accounts).sum()
    }

    pub fn blocked_count(&self) -> usize {
        self.nodes.iter().filter(|n| n.parent.is_none()).map(|n| n.blocked).sum()
    }

    /// Accounts blocked on purpose (the config's `expected_blocked`): not in the counts above.
    pub fn expected_count(&self) -> usize {
        self.expected
    }

    pub fn ou_count(&self) -> usize {
        self.nodes.iter().filter(|n| matches!(n.data, NodeData::Ou)).count()
    }

    /// Shows only the nodes `shown` marks (None: everything, folded as the user left it) and
    /// selects `best`, when given.
    pub fn set_shown(&mut self, shown: Option<Vec<bool>>, best: Option<usize>) {
        self.shown = shown;
        self.rebuild_rows();
        if let Some(best) = best
            && let Some(row) = self.rows.iter().position(|&r| r == best)
        {
            self.cursor.selected = row;
        }
        self.cursor.offset = 0;
    }

    /// Unfolds every root and OU.
    pub fn expand_all(&mut self) {
        for node in &mut self.nodes {
            node.expanded = node.is_container();
        }
        self.rebuild_rows();
    }

    fn rebuild_rows(&mut self) {
        let selected = self.selected_index();
        self.rows.clear();
        if let Some(shown) = &self.shown {
            // Nodes are stored in tree order (each before its children, see `add_children`), a
            // filter unfolds everything and shows the ancestors of what it shows: the rows are
            // the shown nodes in order.
            self.rows.extend((0..self.nodes.len()).filter(|&i| shown.get(i).copied().unwrap_or(false)));
        } else {
            let mut stack: Vec<usize> =
                (0..self.nodes.len()).filter(|&i| self.nodes[i].parent.is_none()).rev().collect();
            while let Some(index) = stack.pop() {
                self.rows.push(index);
                let node = &self.nodes[index];
                if node.expanded {
                    stack.extend(node.children.iter().rev());
                }
            }
        }
        self.cursor.selected = selected.and_then(|s| self.rows.iter().position(|&r| r == s)).unwrap_or(0);
    }

    /// Selects the node with `id`, expanding its ancestors so it is visible.
    pub fn select_id(&mut self, id: &str) -> bool {
        let Some(index) = self.index_of(id) else { return false };
        let mut cursor = self.nodes[index].parent;
        let mut changed = false;
        while let Some(i) = cursor {
            changed |= !self.nodes[i].expanded;
            self.nodes[i].expanded = true;
            cursor = self.nodes[i].parent;
        }
        if changed {
            self.rebuild_rows();
        }
        match self.rows.iter().position(|&r| r == index) {
            Some(position) => {
                self.cursor.selected = position;
                true
            }
            None => false,
        }
    }

    pub fn move_by(&mut self, delta: isize) {
        self.cursor.move_by(delta, self.rows.len());
    }

    pub fn select_first(&mut self) {
        self.cursor.top();
    }

    pub fn select_last(&mut self) {
        self.cursor.bottom(self.rows.len());
    }

    /// ← / h: fold an open container, else go up to the parent.
    pub fn collapse(&mut self) {
        let Some(index) = self.selected_index() else { return };
        if self.nodes[index].is_container() && self.nodes[index].expanded {
            self.nodes[index].expanded = false;
            self.rebuild_rows();
        } else if let Some(parent) = self.nodes[index].parent
            && let Some(position) = self.rows.iter().position(|&r| r == parent)
        {
            self.cursor.selected = position;
        }
    }

    /// → / l: open a folded container, else step into its first child.
    pub fn expand(&mut self) {
        let Some(index) = self.selected_index() else { return };
        let node = &self.nodes[index];
        if !node.is_container() {
            return;
        }
        if !node.expanded {
            self.nodes[index].expanded = true;
            self.rebuild_rows();
        } else if !node.children.is_empty() {
            self.cursor.selected += 1;
        }
    }

    pub fn toggle(&mut self) {
        let Some(index) = self.selected_index() else { return };
        if self.nodes[index].is_container() {
            self.nodes[index].expanded = !self.nodes[index].expanded;
            self.rebuild_rows();
        }
    }

    /// Keeps the selection inside a window of `height` rows.
    pub fn scroll_into_view(&mut self, height: usize) {
        self.cursor.scroll_into_view(height);
    }
}

#[cfg(test)]
#[path = "arena_tests.rs"]
mod tests;
