//! The organization as discovered: roots, OUs and accounts, in the shape of `orgscope tree --format json`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::text::Text;

/// A discovered organization together with who looked at it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Org {
    pub organization: OrgInfo,
    pub caller: Caller,
    pub roots: Vec<Root>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgInfo {
    pub id: String,
    pub management_account_id: String,
    pub feature_set: Option<String>,
}

/// The identity whose credentials orgscope runs with (`sts:GetCallerIdentity`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Caller {
    pub account: String,
    pub arn: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Root {
    pub id: String,
    pub name: Text,
    pub children: Vec<Node>,
    /// Set when the root's children could not be listed completely.
    pub error: Option<ListingError>,
}

/// A child of a root or an OU.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Node {
    Ou(Ou),
    Account(Account),
}

/// Every field a node may have, read in one pass. serde's derived reader for an internally tagged
/// enum buffers each node (and so each OU's whole subtree, at every level) before reading it
/// again, which made a 10,000-account snapshot take several times longer to load.
#[derive(Deserialize)]
struct NodeFields {
    kind: NodeKind,
    id: String,
    name: Text,
    #[serde(default)]
    children: Vec<Node>,
    #[serde(default)]
    error: Option<ListingError>,
    email: Option<Text>,
    status: Option<String>,
    joined_method: Option<String>,
    joined_at: Option<DateTime<Utc>>,
    tags: Option<BTreeMap<Text, Text>>,
    #[serde(default)]
    management: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum NodeKind {
    Ou,
    Account,
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Node, D::Error> {
        let f = NodeFields::deserialize(deserializer)?;
        Ok(match f.kind {
            NodeKind::Ou => Node::Ou(Ou { id: f.id, name: f.name, children: f.children, error: f.error }),
            NodeKind::Account => Node::Account(Account {
                id: f.id,
                name: f.name,
                email: f.email,
                status: f.status,
                joined_method: f.joined_method,
                joined_at: f.joined_at,
                tags: f.tags,
                management: f.management.ok_or_else(|| serde::de::Error::missing_field("management"))?,
            }),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ou {
    pub id: String,
    pub name: Text,
    pub children: Vec<Node>,
    /// Set when this OU's children could not be listed; `children` holds what was read.
    pub error: Option<ListingError>,
}

/// Why an OU (or root) could not be listed, as AWS said it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingError {
    pub code: Text,
    pub message: Text,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    pub name: Text,
    pub email: Option<Text>,
    /// `ACTIVE`, `SUSPENDED` or `PENDING_CLOSURE`, as Organizations reports it.
    pub status: Option<String>,
    /// `CREATED` or `INVITED`.
    pub joined_method: Option<String>,
    pub joined_at: Option<DateTime<Utc>>,
    /// Filled only when tags were asked for (`--with-tags`, or lazily in the TUI).
    pub tags: Option<BTreeMap<Text, Text>>,
    /// True for the organization's management account.
    pub management: bool,
}

impl Account {
    pub fn is_suspended(&self) -> bool {
        matches!(self.status.as_deref(), Some("SUSPENDED" | "PENDING_CLOSURE"))
    }

    pub fn is_invited(&self) -> bool {
        self.joined_method.as_deref() == Some("INVITED")
    }
}

impl Node {
    pub fn id(&self) -> &str {
        match self {
            Node::Ou(ou) => &ou.id,
            Node::Account(account) => &account.id,
        }
    }

    pub fn name(&self) -> &Text {
        match self {
            Node::Ou(ou) => &ou.name,
            Node::Account(account) => &account.name,
        }
    }
}

/// Orders children as the contract says: OUs first, then accounts, each by name
/// (case-insensitive, ties broken by id so the order is total).
pub fn sort_children(children: &mut [Node]) {
    children.sort_by(|a, b| {
        let rank = |n: &Node| matches!(n, Node::Account(_)) as u8;
        rank(a)
            .cmp(&rank(b))
            .then_with(|| a.name().raw().to_lowercase().cmp(&b.name().raw().to_lowercase()))
            .then_with(|| a.id().cmp(b.id()))
    });
}

/// A root or OU above a node: its id and name.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Parent<'a> {
    pub id: &'a str,
    pub name: &'a Text,
}

impl Node {
    /// Accounts at or below this node.
    pub fn account_count(&self) -> usize {
        match self {
            Node::Account(_) => 1,
            Node::Ou(ou) => ou.children.iter().map(Node::account_count).sum(),
        }
    }
}

impl Org {
    /// The one walk of the tree: every OU and account depth first, in order, with the root and
    /// the OUs above it (`path[0]` is the root).
    pub fn walk<'a>(&'a self, mut visit: impl FnMut(&[Parent<'a>], &'a Node)) {
        fn nodes<'a>(
            children: &'a [Node],
            path: &mut Vec<Parent<'a>>,
            visit: &mut impl FnMut(&[Parent<'a>], &'a Node),
        ) {
            for node in children {
                visit(path, node);
                if let Node::Ou(ou) = node {
                    path.push(Parent { id: &ou.id, name: &ou.name });
                    nodes(&ou.children, path, visit);
                    path.pop();
                }
            }
        }
        for root in &self.roots {
            let mut path = vec![Parent { id: &root.id, name: &root.name }];
            nodes(&root.children, &mut path, &mut visit);
        }
    }

    /// Every account in the organization, depth first, with the names of the OUs above it
    /// (from the root down, the root itself excluded).
    pub fn accounts_with_paths(&self) -> Vec<(&Account, Vec<&Text>)> {
        let mut out = Vec::new();
        self.walk(|path, node| {
            if let Node::Account(account) = node {
                out.push((account, path[1..].iter().map(|p| p.name).collect()));
            }
        });
        out
    }

    pub fn accounts(&self) -> impl Iterator<Item = &Account> {
        let mut out = Vec::new();
        self.walk(|_, node| {
            if let Node::Account(account) = node {
                out.push(account);
            }
        });
        out.into_iter()
    }

    pub fn accounts_mut(&mut self) -> Vec<&mut Account> {
        fn walk<'a>(nodes: &'a mut [Node], out: &mut Vec<&'a mut Account>) {
            for node in nodes {
                match node {
                    Node::Account(account) => out.push(account),
                    Node::Ou(ou) => walk(&mut ou.children, out),
                }
            }
        }
        let mut out = Vec::new();
        for root in &mut self.roots {
            walk(&mut root.children, &mut out);
        }
        out
    }

    /// Number of OUs, roots excluded.
    pub fn ou_count(&self) -> usize {
        let mut count = 0;
        self.walk(|_, node| count += usize::from(matches!(node, Node::Ou(_))));
        count
    }
}

#[cfg(test)]
impl Org {
    /// Organization `o-1` managed from account `1`, one root `r-1` holding `children`, for tests.
    pub(crate) fn fixture(children: Vec<Node>) -> Org {
        Org {
            organization: OrgInfo { id: "o-1".into(), management_account_id: "1".into(), feature_set: None },
            caller: Caller { account: "1".into(), arn: "arn".into() },
            roots: vec![Root { id: "r-1".into(), name: "Root".into(), children, error: None }],
        }
    }
}

#[cfg(test)]
impl Node {
    /// An OU for tests.
    pub(crate) fn ou_fixture(id: &str, name: &str, children: Vec<Node>) -> Node {
        Node::Ou(Ou { id: id.into(), name: name.into(), children, error: None })
    }
}

#[cfg(test)]
impl Account {
    /// An ACTIVE account created by the organization, for tests; override fields as needed.
    pub(crate) fn fixture(id: &str, name: &str) -> Account {
        Account {
            id: id.into(),
            name: name.into(),
            email: None,
            status: Some("ACTIVE".into()),
            joined_method: Some("CREATED".into()),
            joined_at: None,
            tags: None,
            management: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(id: &str, name: &str) -> Node {
        Node::Account(Account::fixture(id, name))
    }

    fn ou(id: &str, name: &str, children: Vec<Node>) -> Node {
        Node::ou_fixture(id, name, children)
    }

    #[test]
    fn children_sort_ous_first_then_accounts_case_insensitively() {
        let mut children = vec![
            account("3", "zeta"),
            ou("ou-b", "beta", vec![]),
            account("1", "Alpha"),
            ou("ou-a", "Alpha", vec![]),
            account("2", "alpha"),
        ];
        sort_children(&mut children);
        let order: Vec<&str> = children.iter().map(Node::id).collect();
        assert_eq!(order, ["ou-a", "ou-b", "1", "2", "3"]);
    }

    #[test]
    fn accounts_carry_their_ou_path() {
        let org = Org::fixture(vec![
            ou("ou-1", "Prod", vec![ou("ou-2", "Web", vec![account("9", "web")])]),
            account("1", "mgmt"),
        ]);
        let paths: Vec<(String, Vec<&str>)> = org
            .accounts_with_paths()
            .into_iter()
            .map(|(a, p)| (a.id.clone(), p.into_iter().map(Text::raw).collect()))
            .collect();
        assert_eq!(paths, vec![("9".to_string(), vec!["Prod", "Web"]), ("1".to_string(), vec![])]);
        assert_eq!(org.ou_count(), 2);
    }
}
