//! IAM policy evaluation, as AWS documents it ("Policy evaluation logic"): a policy's statements
//! matched against one request (`Action`/`NotAction`, `Resource`/`NotResource`,
//! `Principal`/`NotPrincipal`, `Condition` with every operator, `…IfExists`, `ForAnyValue:` and
//! `ForAllValues:`, wildcards and policy variables), an explicit deny winning over any allow, and
//! the layered rule of service and resource control policies (every level of the path must allow,
//! and no level may deny). Each decision names the statement that made it.
//!
//! Why a module of its own and not a crate: `iam-rs` (MIT) matches one pool of policies only (no
//! SCP/RCP levels), never matches a trust policy without `Resource`, gets account principals wrong
//! and rejects `ForAnyValue:Numeric…`; the faithful evaluator (`@cloud-copilot/iam-simulate`) is
//! AGPL and JavaScript, so it serves as the independent oracle of the differential test instead.

pub mod actions;
mod condition;
mod document;
mod eval;
pub mod level;
mod matching;
mod org;

pub use document::{Condition, Policy, PolicyError, Statement, decode};
pub use eval::{Decision, Effect, Principal, Request, StatementRef};
pub use org::{Layer, LayerPolicy, Verdict, evaluate_layers};

#[cfg(test)]
mod tests;
