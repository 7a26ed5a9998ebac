//! One policy against one request: the statements that apply, and the decision with the
//! statement that made it (an explicit deny wins over any allow; nothing applying is an implicit
//! deny).

use super::condition::{self, Context, ContextValue};
use super::document::{Policy, Principals, Statement};
use super::matching;

/// Who makes the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// As STS reports it: `arn:aws:iam::A:user/N`, `arn:aws:iam::A:role/N` or
    /// `arn:aws:sts::A:assumed-role/R/session`.
    pub arn: String,
    pub account: String,
}

impl Principal {
    pub fn new(arn: &str) -> Principal {
        let account = arn.split(':').nth(4).unwrap_or_default().to_string();
        Principal { arn: arn.to_string(), account }
    }

    /// The IAM ARN a policy names the principal by: an assumed-role session is its role.
    pub fn iam_arn(&self) -> String {
        let parts: Vec<&str> = self.arn.splitn(6, ':').collect();
        if parts.len() == 6 && parts[2] == "sts" && parts[5].starts_with("assumed-role/") {
            let role = parts[5].trim_start_matches("assumed-role/").split('/').next().unwrap_or_default();
            return format!("arn:{}:iam::{}:role/{role}", parts[1], parts[4]);
        }
        self.arn.clone()
    }
}

/// What is asked: an action on a resource by a principal, with the request's context keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub principal: Principal,
    pub action: String,
    pub resource: String,
    pub context: Context,
}

impl Request {
    /// A request with the global keys AWS always sets from the principal (`aws:PrincipalArn`,
    /// `aws:PrincipalAccount`, `aws:userid`-free) and those given.
    pub fn new(principal: &str, action: &str, resource: &str) -> Request {
        let principal = Principal::new(principal);
        let mut context = Context::new();
        context.insert("aws:principalarn".into(), ContextValue::One(principal.iam_arn()));
        context.insert("aws:principalaccount".into(), ContextValue::One(principal.account.clone()));
        Request { principal, action: action.into(), resource: resource.into(), context }
    }

    /// The same request with a single-valued context key set (keys are case-insensitive).
    pub fn with(mut self, key: &str, value: &str) -> Request {
        self.context.insert(key.to_ascii_lowercase(), ContextValue::One(value.to_string()));
        self
    }

    /// The same request with a multivalued context key set (`aws:TagKeys`, …).
    pub fn with_all(mut self, key: &str, values: &[&str]) -> Request {
        self.context
            .insert(key.to_ascii_lowercase(), ContextValue::Many(values.iter().map(|v| v.to_string()).collect()));
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    Allow,
    /// A statement denies.
    ExplicitDeny,
    /// Nothing allows.
    ImplicitDeny,
}

/// Which statement: its `Sid`, and its index from 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementRef {
    pub index: usize,
    pub sid: Option<String>,
}

impl StatementRef {
    /// The `Sid`, else the index from 0 (the contract's `statement`).
    pub fn label(&self) -> String {
        self.sid.clone().unwrap_or_else(|| self.index.to_string())
    }
}

/// The decision of one policy and the statement that made it (None for an implicit deny).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub effect: Effect,
    pub statement: Option<StatementRef>,
}

impl Policy {
    /// This policy's decision on `request`: the first denying statement that applies, else the
    /// first allowing one, else an implicit deny.
    pub fn decide(&self, request: &Request) -> Decision {
        let applying = |allow: bool| {
            self.statements
                .iter()
                .enumerate()
                .find(|(_, s)| s.allow == allow && s.applies(request))
                .map(|(index, s)| StatementRef { index, sid: s.sid.clone() })
        };
        if let Some(statement) = applying(false) {
            return Decision { effect: Effect::ExplicitDeny, statement: Some(statement) };
        }
        match applying(true) {
            Some(statement) => Decision { effect: Effect::Allow, statement: Some(statement) },
            None => Decision { effect: Effect::ImplicitDeny, statement: None },
        }
    }
}

impl Statement {
    /// Whether this statement applies to `request`: action, resource, principal and conditions.
    pub fn applies(&self, request: &Request) -> bool {
        self.names(request) && condition::all_hold(&self.conditions, &request.context)
    }

    /// Whether this statement is about `request` (its action, resource and principal), whatever
    /// its conditions say.
    pub fn names(&self, request: &Request) -> bool {
        self.action_matches(&request.action)
            && self.resource_matches(request)
            && self.principal_matches(&request.principal)
    }

    /// The conditions that do not hold for `request`, in the order written.
    pub fn failing_conditions(&self, request: &Request) -> Vec<&super::document::Condition> {
        self.conditions.iter().filter(|c| !condition::holds(c, &request.context)).collect()
    }

    fn action_matches(&self, action: &str) -> bool {
        self.actions.iter().any(|p| matching::action(p, action)) != self.not_action
    }

    fn resource_matches(&self, request: &Request) -> bool {
        let Some(resources) = &self.resources else { return true };
        let any = resources.iter().any(|pattern| {
            condition::substitute(pattern, &request.context, true)
                .is_some_and(|pattern| matching::arn(&pattern, &request.resource))
        });
        any != self.not_resource
    }

    fn principal_matches(&self, principal: &Principal) -> bool {
        let Some(principals) = &self.principals else { return true };
        let named = match principals {
            Principals::Any => true,
            Principals::Typed(typed) => typed
                .iter()
                .filter(|(kind, _)| kind == "AWS")
                .flat_map(|(_, values)| values)
                .any(|value| names(value, principal)),
        };
        named != self.not_principal
    }
}

/// Whether a principal element's value (`*`, an account id, `arn:aws:iam::A:root`, a role or
/// user ARN, an assumed-role session ARN) names `principal`.
fn names(value: &str, principal: &Principal) -> bool {
    if value == "*" {
        return true;
    }
    if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
        return value == principal.account;
    }
    let parts: Vec<&str> = value.splitn(6, ':').collect();
    if parts.len() == 6 && parts[0] == "arn" && parts[2] == "iam" && parts[5] == "root" {
        return parts[4] == principal.account;
    }
    value == principal.iam_arn() || value == principal.arn
}
