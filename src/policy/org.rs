//! Service and resource control policies, level by level: at every level of the path (the root,
//! each OU, the account) some policy must allow, and no policy anywhere may deny. Resource control
//! policies carry AWS's own `RCPFullAWSAccess` at every level, so a level without one allows.

use super::document::Policy;
use super::eval::{Effect, Request, StatementRef};

/// A policy attached at a level.
#[derive(Debug, Clone, Copy)]
pub struct LayerPolicy<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub policy: &'a Policy,
}

/// One level of the path: the root, an OU or the account, with what is attached to it.
#[derive(Debug, Clone)]
pub struct Layer<'a> {
    /// The root, OU or account id.
    pub target: &'a str,
    pub policies: Vec<LayerPolicy<'a>>,
}

/// What the layers decide, and what made the decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// A statement denies.
    Denied {
        target: String,
        policy_id: String,
        policy_name: String,
        statement: StatementRef,
    },
    /// No policy at this level allows.
    NotAllowed {
        target: String,
    },
}

/// The layers' verdict on `request`, the levels in path order (root first). `implicit_allow`:
/// a level with no policy allows (RCPs); otherwise it allows nothing (SCPs).
pub fn evaluate_layers(layers: &[Layer<'_>], request: &Request, implicit_allow: bool) -> Verdict {
    for layer in layers {
        for attached in &layer.policies {
            let decision = attached.policy.decide(request);
            if decision.effect == Effect::ExplicitDeny
                && let Some(statement) = decision.statement
            {
                return Verdict::Denied {
                    target: layer.target.to_string(),
                    policy_id: attached.id.to_string(),
                    policy_name: attached.name.to_string(),
                    statement,
                };
            }
        }
    }
    for layer in layers {
        if layer.policies.is_empty() && implicit_allow {
            continue;
        }
        if !layer.policies.iter().any(|p| p.policy.decide(request).effect == Effect::Allow) {
            return Verdict::NotAllowed { target: layer.target.to_string() };
        }
    }
    Verdict::Allowed
}
