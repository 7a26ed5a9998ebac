//! The organization as a diagram for audit reports, runbooks and pull requests: Graphviz DOT
//! ([`dot`]), a Mermaid flowchart ([`mermaid`]) and a self-contained SVG drawn here ([`svg`]).
//! Root → OUs → accounts; OU nodes count `accounts / blocked`; with a probe, accounts are filled by
//! status (blocked red, reachable green, skipped grey, error amber) with the reason, and a legend.
//! Every name goes through the visible rendering and then the format's own escaping, so no name
//! can break a diagram.

pub mod dot;
pub mod mermaid;
pub mod svg;

use std::collections::HashMap;

use crate::model::{Node, Org, ProbeStatus, Reason};

/// Which diagram to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Dot,
    Mermaid,
    Svg,
}

/// Fill colours by probe status, the same in every format.
pub fn fill(status: ProbeStatus) -> &'static str {
    match status {
        ProbeStatus::Blocked => "#d62728",
        ProbeStatus::Reachable => "#2ca02c",
        ProbeStatus::Skipped => "#7f7f7f",
        ProbeStatus::Error => "#ff7f0e",
    }
}

/// The fill of an account nobody probed, and of OUs and roots.
pub const PLAIN_FILL: &str = "#ffffff";
pub const CONTAINER_FILL: &str = "#eef1f5";

/// What the probe found for one account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub status: ProbeStatus,
    pub reason: Option<Reason>,
}

/// One box of the diagram: its AWS id, the lines of its label (visible forms), and its fill.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    pub id: String,
    pub lines: Vec<String>,
    pub fill: &'static str,
    /// Accounts only: the probe's verdict, when there was a probe.
    pub verdict: Option<Verdict>,
    /// The root or OU it sits in (None for a root).
    pub parent: Option<usize>,
    pub container: bool,
    pub depth: usize,
}

/// The organization as boxes in tree order (each before its children), ready for any format.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagram {
    pub shapes: Vec<Shape>,
    /// A legend is drawn when accounts carry verdicts.
    pub probed: bool,
}

impl Diagram {
    /// `verdicts` by account id: the probe's, or None for `tree`.
    pub fn new(org: &Org, verdicts: Option<&HashMap<String, Verdict>>) -> Diagram {
        let mut diagram = Diagram { shapes: Vec::new(), probed: verdicts.is_some() };
        for root in &org.roots {
            let index = diagram.push_container(&root.id, &root.name.to_string(), None, 0);
            diagram.add(&root.children, index, verdicts);
        }
        diagram.count(diagram.probed);
        diagram
    }

    fn push_container(&mut self, id: &str, name: &str, parent: Option<usize>, depth: usize) -> usize {
        self.shapes.push(Shape {
            id: id.to_string(),
            lines: vec![name.to_string(), String::new()],
            fill: CONTAINER_FILL,
            verdict: None,
            parent,
            container: true,
            depth,
        });
        self.shapes.len() - 1
    }

    fn add(&mut self, children: &[Node], parent: usize, verdicts: Option<&HashMap<String, Verdict>>) {
        let depth = self.shapes[parent].depth + 1;
        for child in children {
            match child {
                Node::Ou(ou) => {
                    let index = self.push_container(&ou.id, &ou.name.to_string(), Some(parent), depth);
                    self.add(&ou.children, index, verdicts);
                }
                Node::Account(account) => {
                    let verdict = verdicts.and_then(|v| v.get(&account.id)).copied();
                    let mut lines = vec![account.name.to_string(), account.id.clone()];
                    if let Some(Verdict { status, reason }) = verdict
                        && status != ProbeStatus::Reachable
                    {
                        lines.push(reason.map_or(status.code(), Reason::code).to_string());
                    }
                    self.shapes.push(Shape {
                        id: account.id.clone(),
                        lines,
                        fill: verdict.map_or(PLAIN_FILL, |v| fill(v.status)),
                        verdict,
                        parent: Some(parent),
                        container: false,
                        depth,
                    });
                }
            }
        }
    }

    /// Writes `accounts / blocked` under every root's and OU's name (the account count alone
    /// without a probe: nothing is known to be blocked then).
    fn count(&mut self, probed: bool) {
        let mut totals = vec![(0usize, 0usize); self.shapes.len()];
        for i in (0..self.shapes.len()).rev() {
            let shape = &self.shapes[i];
            if !shape.container {
                let blocked = shape.verdict.is_some_and(|v| v.status == ProbeStatus::Blocked);
                totals[i] = (1, usize::from(blocked));
            }
            if let Some(parent) = shape.parent {
                totals[parent].0 += totals[i].0;
                totals[parent].1 += totals[i].1;
            }
        }
        for (shape, (accounts, blocked)) in self.shapes.iter_mut().zip(totals) {
            if shape.container {
                shape.lines[1] = match probed {
                    true => format!("{accounts} / {blocked}"),
                    false => format!("{accounts} accounts"),
                };
            }
        }
    }

    pub fn render(&self, kind: Kind) -> String {
        match kind {
            Kind::Dot => dot::render(self),
            Kind::Mermaid => mermaid::render(self),
            Kind::Svg => svg::render(self),
        }
    }
}

/// The legend's entries: label and fill.
pub const LEGEND: [(&str, &str); 4] =
    [("reachable", "#2ca02c"), ("blocked", "#d62728"), ("skipped", "#7f7f7f"), ("error", "#ff7f0e")];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Account, Caller, OrgInfo, Ou, Root};

    pub(super) fn org() -> (Org, HashMap<String, Verdict>) {
        let account = |id: &str, name: &str| Node::Account(Account::fixture(id, name));
        let org = Org {
            organization: OrgInfo { id: "o-1".into(), management_account_id: "111111111111".into(), feature_set: None },
            caller: Caller { account: "111111111111".into(), arn: "arn".into() },
            roots: vec![Root {
                id: "r-ab12".into(),
                name: "Root".into(),
                error: None,
                children: vec![
                    Node::Ou(Ou {
                        id: "ou-ab12-11111111".into(),
                        name: "Prod \"eu\"\n[x]\u{1b}]0;t\u{7}<b>&#".into(),
                        error: None,
                        children: vec![account("222222222222", "pay\\n \"q\" <svg> end -->")],
                    }),
                    account("111111111111", "management"),
                ],
            }],
        };
        let verdicts = HashMap::from([
            ("222222222222".to_string(), Verdict { status: ProbeStatus::Blocked, reason: Some(Reason::AccessDenied) }),
            (
                "111111111111".to_string(),
                Verdict { status: ProbeStatus::Reachable, reason: Some(Reason::CallerAccount) },
            ),
        ]);
        (org, verdicts)
    }

    #[test]
    fn containers_count_their_accounts_and_blocked_ones() {
        let (org, verdicts) = org();
        let diagram = Diagram::new(&org, Some(&verdicts));
        let lines = |id: &str| diagram.shapes.iter().find(|s| s.id == id).map(|s| s.lines.clone()).unwrap_or_default();
        assert_eq!(lines("r-ab12")[1], "2 / 1");
        assert_eq!(lines("ou-ab12-11111111")[1], "1 / 1");
        assert_eq!(lines("222222222222")[2], "access_denied");
        assert!(!lines("ou-ab12-11111111")[0].contains('\u{1b}'), "names are in their visible form");
        let plain = Diagram::new(&org, None);
        assert!(plain.shapes.iter().filter(|s| !s.container).all(|s| s.fill == PLAIN_FILL));
        let plain_lines =
            |id: &str| plain.shapes.iter().find(|s| s.id == id).map(|s| s.lines.clone()).unwrap_or_default();
        assert_eq!(plain_lines("r-ab12")[1], "2 accounts", "no probe: no blocked count");
    }
}
