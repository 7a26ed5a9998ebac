//! The exact cause of a refusal, from what orgscope can read: AWS's own words (the policy type and
//! ARN its message names), the service control policies along the caller's path and the resource
//! control policies along the account's, each evaluated for this `sts:AssumeRole` by this caller
//! ([`crate::policy`]). What nothing read can tell is `unknown`, with what would tell.

use crate::model::{Cause, ControlKind, Evidence, EvidenceSource, Reason, Text};
use crate::policy::{Layer, LayerPolicy, Policy, Request, Verdict, evaluate_layers};
use crate::source::Source;
use crate::source::aws::classify::denying_policy;

use super::{CallerContext, ProbeTarget};

/// One refusal to explain.
pub(super) struct Refusal<'a> {
    pub target: &'a ProbeTarget,
    pub caller: &'a CallerContext,
    pub role_arn: &'a str,
    pub reason: Reason,
    pub message: &'a str,
    pub external_id: Option<&'a str>,
}

/// The cause of `refusal` and its evidence.
pub(super) async fn find(source: &dyn Source, refusal: &Refusal<'_>) -> (Cause, Evidence) {
    let named = denying_policy(refusal.message);
    let named_type = named.as_ref().map(|p| p.policy_type.as_str()).unwrap_or_default();
    if refusal.reason == Reason::CallerNotPermitted
        || ["identity-based policy", "permissions boundary", "session policy"].contains(&named_type)
    {
        let said = Evidence {
            source: Some(EvidenceSource::CallerPolicy),
            policy_id: named.as_ref().and_then(|p| p.policy_arn.as_deref()).map(Text::from),
            policy_name: Some(Text::from(named_type)),
            ..Evidence::default()
        };
        // Which of your policies: the simulator says, where you may ask it.
        // (The simulator allowing it, or not answering, leaves AWS's own words: `missing` belongs
        // to `unknown` alone in the contract.)
        let evidence = match source.simulate_caller(&refusal.caller.arn, refusal.role_arn).await {
            Ok(verdict) if verdict.decision != "allowed" => Evidence {
                source: Some(EvidenceSource::CallerPolicy),
                policy_id: verdict.policy_id.map(Text::from).or(said.policy_id),
                policy_name: verdict.policy_type.map(Text::from).or(said.policy_name),
                read_via: Some(Text::from(refusal.caller.arn.as_str())),
                ..Evidence::default()
            },
            Ok(verdict) => {
                tracing::debug!(decision = %verdict.decision, "SimulatePrincipalPolicy does not show the refusal");
                said
            }
            Err(why) => {
                tracing::debug!(%why, "SimulatePrincipalPolicy could not be asked");
                said
            }
        };
        return (Cause::CallerPolicy, evidence);
    }
    // The kinds to read, the one AWS named first.
    let kinds: &[ControlKind] = match named_type {
        "resource control policy" => &[ControlKind::Rcp, ControlKind::Scp],
        "service control policy" => &[ControlKind::Scp, ControlKind::Rcp],
        _ => &[ControlKind::Rcp, ControlKind::Scp],
    };
    let mut unread = Vec::new();
    for &kind in kinds {
        match control_verdict(source, refusal, kind).await {
            Ok(Some(found)) => return found,
            Ok(None) => {}
            Err(why) => unread.push(why),
        }
    }
    // AWS named a control policy that orgscope could not read or place: its word stands.
    if let Some(kind) = match named_type {
        "service control policy" => Some(ControlKind::Scp),
        "resource control policy" => Some(ControlKind::Rcp),
        _ => None,
    } {
        let id = named.as_ref().and_then(|p| p.policy_arn.as_deref()).and_then(|arn| arn.rsplit('/').next());
        if !unread.is_empty() {
            tracing::debug!(unread = %unread.join("; "), "the control policies AWS named could not be read");
        }
        let evidence =
            Evidence { source: Some(kind.evidence_source()), policy_id: id.map(Text::from), ..Evidence::default() };
        return (cause_of(kind), evidence);
    }
    let mut missing = "AWS does not say which; the role's trust policy would tell (is the role there, whom it \
                       trusts, on which conditions), read with iam:GetRole from inside the account"
        .to_string();
    if !unread.is_empty() {
        missing.push_str(&format!("; the control policies could not be read: {}", unread.join("; ")));
    }
    (Cause::Unknown, Evidence { missing: Some(missing), ..Evidence::default() })
}

fn cause_of(kind: ControlKind) -> Cause {
    match kind {
        ControlKind::Scp => Cause::ScpDeny,
        ControlKind::Rcp => Cause::RcpDeny,
    }
}

/// The verdict of the control policies of `kind` that apply: SCPs along the caller's path (none
/// when the caller stands in the management account), RCPs along the account's (none for the
/// management account). Ok(None): they allow; Err: they could not be read.
async fn control_verdict(
    source: &dyn Source,
    refusal: &Refusal<'_>,
    kind: ControlKind,
) -> Result<Option<(Cause, Evidence)>, String> {
    let caller = refusal.caller;
    let path: Vec<String> = match kind {
        ControlKind::Scp if caller.in_management() => return Ok(None),
        ControlKind::Scp if caller.path.is_empty() => {
            return Err("the caller's place in the organization is not known".into());
        }
        ControlKind::Scp => caller.path.clone(),
        ControlKind::Rcp if refusal.target.account.id == caller.management_account_id => return Ok(None),
        ControlKind::Rcp => {
            refusal.target.path.iter().map(|(id, _)| id.clone()).chain([refusal.target.account.id.clone()]).collect()
        }
    };
    let mut read = Vec::with_capacity(path.len());
    for target in &path {
        let attached = source.control_policies(kind, target).await?;
        let mut parsed = Vec::with_capacity(attached.len());
        for policy in attached {
            let document =
                Policy::parse(&policy.document).map_err(|err| format!("{} ({}): {err}", policy.name, policy.id))?;
            parsed.push((policy.id, policy.name, document));
        }
        read.push((target.as_str(), parsed));
    }
    let layers: Vec<Layer<'_>> = read
        .iter()
        .map(|(target, policies)| Layer {
            target,
            policies: policies.iter().map(|(id, name, policy)| LayerPolicy { id, name: name.raw(), policy }).collect(),
        })
        .collect();
    let verdict = evaluate_layers(&layers, &request(refusal), kind == ControlKind::Rcp);
    let read_via = if caller.in_management() { "management".to_string() } else { caller.arn.clone() };
    let evidence = |attached_to: String| Evidence {
        source: Some(kind.evidence_source()),
        attached_to: Some(attached_to),
        read_via: Some(Text::from(read_via.as_str())),
        ..Evidence::default()
    };
    Ok(match verdict {
        Verdict::Allowed => None,
        Verdict::Denied { target, policy_id, policy_name, statement } => Some((
            cause_of(kind),
            Evidence {
                policy_id: Some(Text::from(policy_id)),
                policy_name: Some(Text::from(policy_name)),
                statement: Some(Text::from(statement.label())),
                ..evidence(target)
            },
        )),
        Verdict::NotAllowed { target } => Some((cause_of(kind), evidence(target))),
    })
}

/// The request AWS evaluates: this caller, `sts:AssumeRole` on the role, the context keys AWS
/// sets for it.
fn request(refusal: &Refusal<'_>) -> Request {
    let caller = refusal.caller;
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut request = Request::new(&caller.arn, "sts:AssumeRole", refusal.role_arn)
        .with("aws:ResourceAccount", &refusal.target.account.id)
        .with("aws:SecureTransport", "true")
        .with("aws:PrincipalIsAWSService", "false")
        .with("aws:CurrentTime", &now);
    if !caller.organization_id.is_empty() {
        request = request
            .with("aws:PrincipalOrgID", &caller.organization_id)
            .with("aws:ResourceOrgID", &caller.organization_id);
    }
    if let Some(external_id) = refusal.external_id {
        request = request.with("sts:ExternalId", external_id);
    }
    request
}

/// The cause read from the role itself, through a foothold's credentials `via` (named `read_via`
/// in the evidence): missing, or what in its trust policy keeps this caller out.
pub(super) async fn through_role(
    source: &dyn Source,
    via: &crate::model::TempCredentials,
    read_via: &str,
    refusal: &Refusal<'_>,
) -> (Cause, Evidence) {
    let role = refusal.role_arn.rsplit('/').next().unwrap_or_default();
    let evidence =
        |source| Evidence { source: Some(source), read_via: Some(Text::from(read_via)), ..Evidence::default() };
    match source.trust_policy(via, role).await {
        Ok(None) => (Cause::RoleMissing, evidence(EvidenceSource::Role)),
        Ok(Some(document)) => match Policy::parse(&document) {
            Ok(trust) => from_trust(&trust, refusal, evidence(EvidenceSource::TrustPolicy)),
            Err(err) => unknown(format!("the role's trust policy, read via {read_via}, cannot be read: {err}")),
        },
        Err(why) => unknown(format!("the role's trust policy would tell, but reading it via {read_via} failed: {why}")),
    }
}

fn unknown(missing: String) -> (Cause, Evidence) {
    (Cause::Unknown, Evidence { missing: Some(missing), ..Evidence::default() })
}

/// What in `trust` keeps this caller out: a deny naming it, no statement naming it, or the first
/// condition of the statement that names it that does not hold (an external ID, MFA, another).
pub(super) fn from_trust(trust: &Policy, refusal: &Refusal<'_>, evidence: Evidence) -> (Cause, Evidence) {
    let request = request(refusal);
    let decision = trust.decide(&request);
    let statement = |index: usize| {
        let s = &trust.statements[index];
        Some(Text::from(s.sid.clone().unwrap_or_else(|| index.to_string())))
    };
    match decision.effect {
        crate::policy::Effect::ExplicitDeny => {
            let index = decision.statement.map(|s| s.index).unwrap_or_default();
            (Cause::TrustExcludesCaller, Evidence { statement: statement(index), ..evidence })
        }
        crate::policy::Effect::Allow => unknown(
            "the role's trust policy lets you in, and no control policy that could be read stops you: your own \
             policies (a permissions boundary or session policy) would tell"
                .into(),
        ),
        crate::policy::Effect::ImplicitDeny => {
            let Some(index) = trust.statements.iter().position(|s| s.allow && s.names(&request)) else {
                return (Cause::TrustExcludesCaller, evidence);
            };
            let failing = trust.statements[index].failing_conditions(&request);
            let key = failing.first().map(|c| c.key.to_ascii_lowercase()).unwrap_or_default();
            let cause = match key.as_str() {
                "sts:externalid" if refusal.external_id.is_some() => Cause::ExternalIdMismatch,
                "sts:externalid" => Cause::ExternalIdRequired,
                "aws:multifactorauthpresent" | "aws:multifactorauthage" => Cause::MfaRequired,
                _ => Cause::TrustCondition,
            };
            (cause, Evidence { statement: statement(index), ..evidence })
        }
    }
}
