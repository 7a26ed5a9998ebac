//! The `Condition` element: every operator AWS documents, `…IfExists`, `ForAnyValue:` and
//! `ForAllValues:`, `Null`, and policy variables (`${aws:username}`, `${aws:x, 'default'}`,
//! `${*}`, `${?}`, `${$}`) in string and ARN values.

use std::collections::BTreeMap;
use std::net::IpAddr;

use super::document::Condition;
use super::matching;

/// The request's context keys, by lower-cased key name (keys are case-insensitive, values not).
pub type Context = BTreeMap<String, ContextValue>;

/// A context key's value: one string, or a set (a multivalued key such as `aws:TagKeys`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextValue {
    One(String),
    Many(Vec<String>),
}

impl ContextValue {
    pub fn values(&self) -> &[String] {
        match self {
            ContextValue::One(value) => std::slice::from_ref(value),
            ContextValue::Many(values) => values,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Set {
    Single,
    AnyValue,
    AllValues,
}

/// Whether every condition of a statement holds (they are ANDed; an empty block holds).
pub fn all_hold(conditions: &[Condition], context: &Context) -> bool {
    conditions.iter().all(|c| holds(c, context))
}

/// Whether one operator/key/values triple holds for `context`. An operator AWS does not
/// document never holds.
pub fn holds(condition: &Condition, context: &Context) -> bool {
    let mut operator = condition.operator.as_str();
    let set = if let Some(rest) = strip_prefix_ci(operator, "ForAnyValue:") {
        operator = rest;
        Set::AnyValue
    } else if let Some(rest) = strip_prefix_ci(operator, "ForAllValues:") {
        operator = rest;
        Set::AllValues
    } else {
        Set::Single
    };
    let if_exists = operator.len() > 8 && operator.ends_with("IfExists");
    if if_exists {
        operator = &operator[..operator.len() - "IfExists".len()];
    }
    let present = context.get(&condition.key.to_ascii_lowercase());
    if operator == "Null" {
        let absent = present.is_none();
        return condition.values.iter().any(|v| v.eq_ignore_ascii_case("true") == absent);
    }
    let Some((base, negated)) = base_operator(operator) else { return false };
    // A missing key: a negated operator or `…IfExists` holds; `ForAllValues` holds (vacuously),
    // `ForAnyValue` never does (with or without `IfExists`).
    let Some(value) = present else {
        return match set {
            Set::AllValues => true,
            Set::AnyValue => false,
            Set::Single => if_exists || negated,
        };
    };
    // One request value against the policy's values: the positive operator matches any of them,
    // a negated one none.
    let matches_one = |request: &str| condition.values.iter().any(|p| compare(base, p, request, context)) != negated;
    match (set, value) {
        (Set::Single, ContextValue::One(request)) => matches_one(request),
        // A multivalued key needs a set operator: without one nothing matches.
        (Set::Single, ContextValue::Many(_)) => false,
        (Set::AnyValue, value) => value.values().iter().any(|r| matches_one(r)),
        (Set::AllValues, value) => value.values().iter().all(|r| matches_one(r)),
    }
}

fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    (text.len() >= prefix.len() && text[..prefix.len()].eq_ignore_ascii_case(prefix)).then(|| &text[prefix.len()..])
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Base {
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    Numeric(std::cmp::Ordering, bool),
    Date(std::cmp::Ordering, bool),
    Bool,
    Binary,
    Ip,
    Arn,
}

/// The positive form of an operator and whether it was negated.
fn base_operator(operator: &str) -> Option<(Base, bool)> {
    use std::cmp::Ordering::{Equal, Greater, Less};
    Some(match operator {
        "StringEquals" => (Base::StringEquals, false),
        "StringNotEquals" => (Base::StringEquals, true),
        "StringEqualsIgnoreCase" => (Base::StringEqualsIgnoreCase, false),
        "StringNotEqualsIgnoreCase" => (Base::StringEqualsIgnoreCase, true),
        "StringLike" => (Base::StringLike, false),
        "StringNotLike" => (Base::StringLike, true),
        "NumericEquals" => (Base::Numeric(Equal, false), false),
        "NumericNotEquals" => (Base::Numeric(Equal, false), true),
        "NumericLessThan" => (Base::Numeric(Less, false), false),
        "NumericLessThanEquals" => (Base::Numeric(Less, true), false),
        "NumericGreaterThan" => (Base::Numeric(Greater, false), false),
        "NumericGreaterThanEquals" => (Base::Numeric(Greater, true), false),
        "DateEquals" => (Base::Date(Equal, false), false),
        "DateNotEquals" => (Base::Date(Equal, false), true),
        "DateLessThan" => (Base::Date(Less, false), false),
        "DateLessThanEquals" => (Base::Date(Less, true), false),
        "DateGreaterThan" => (Base::Date(Greater, false), false),
        "DateGreaterThanEquals" => (Base::Date(Greater, true), false),
        "Bool" => (Base::Bool, false),
        "BinaryEquals" => (Base::Binary, false),
        "IpAddress" => (Base::Ip, false),
        "NotIpAddress" => (Base::Ip, true),
        "ArnEquals" | "ArnLike" => (Base::Arn, false),
        "ArnNotEquals" | "ArnNotLike" => (Base::Arn, true),
        _ => return None,
    })
}

/// The positive operator: does the request's `request` value match the policy's `policy` value?
fn compare(base: Base, policy: &str, request: &str, context: &Context) -> bool {
    match base {
        Base::StringEquals => substitute(policy, context, false).is_some_and(|p| p == request),
        Base::StringEqualsIgnoreCase => {
            substitute(policy, context, false).is_some_and(|p| p.to_lowercase() == request.to_lowercase())
        }
        Base::StringLike => substitute(policy, context, true).is_some_and(|p| matching::glob(&p, request, false)),
        Base::Numeric(ordering, or_equal) => match (policy.trim().parse::<f64>(), request.trim().parse::<f64>()) {
            (Ok(p), Ok(r)) => r.partial_cmp(&p).is_some_and(|o| o == ordering || (or_equal && o.is_eq())),
            _ => false,
        },
        Base::Date(ordering, or_equal) => match (date(policy), date(request)) {
            (Some(p), Some(r)) => {
                let o = r.cmp(&p);
                o == ordering || (or_equal && o.is_eq())
            }
            _ => false,
        },
        Base::Bool => policy.eq_ignore_ascii_case(request),
        Base::Binary => policy == request,
        Base::Ip => ip_in(policy, request),
        Base::Arn => substitute(policy, context, true).is_some_and(|p| matching::arn(&p, request)),
    }
}

fn date(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(epoch) = text.parse::<i64>() {
        return Some(epoch);
    }
    if let Ok(at) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(at.timestamp());
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp())
}

/// Whether `address` lies in `cidr` (`10.0.0.0/8`, `2001:db8::/32`, or one address).
fn ip_in(cidr: &str, address: &str) -> bool {
    let (net, bits) = match cidr.split_once('/') {
        Some((net, bits)) => (net, bits.parse::<u32>().ok()),
        None => (cidr, None),
    };
    let (Ok(net), Ok(address)) = (net.trim().parse::<IpAddr>(), address.trim().parse::<IpAddr>()) else { return false };
    let (net, address, width) = match (net, address) {
        (IpAddr::V4(n), IpAddr::V4(a)) => (u128::from(u32::from(n)), u128::from(u32::from(a)), 32),
        (IpAddr::V6(n), IpAddr::V6(a)) => (u128::from(n), u128::from(a), 128),
        _ => return false,
    };
    let bits = bits.unwrap_or(width).min(width);
    if bits == 0 {
        return true;
    }
    let shift = width - bits;
    (net >> shift) == (address >> shift)
}

/// `text` with its policy variables replaced from `context`; None when one has no value (and
/// no default), so that value matches nothing. In `like` values `${*}`, `${?}` stay literal.
pub fn substitute(text: &str, context: &Context, like: bool) -> Option<String> {
    if !text.contains("${") {
        return Some(text.to_string());
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return Some(out);
        };
        let inner = after[..end].trim();
        match inner {
            "*" | "?" | "$" if like => {
                // A literal character inside a wildcard pattern: escape by matching it exactly
                // is not possible with globs, so `*`/`?` stay wildcards here (AWS's own caveat).
                out.push_str(inner);
            }
            "*" | "?" | "$" => out.push_str(inner),
            _ => {
                let (key, default) = match inner.split_once(',') {
                    Some((key, default)) => (key.trim(), Some(default.trim().trim_matches('\'').to_string())),
                    None => (inner, None),
                };
                let value = match context.get(&key.to_ascii_lowercase()) {
                    Some(ContextValue::One(value)) => Some(value.clone()),
                    _ => None,
                };
                out.push_str(&value.or(default)?);
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cx(pairs: &[(&str, &[&str])]) -> Context {
        let value = |v: &[&str]| match v {
            [one] => ContextValue::One(one.to_string()),
            many => ContextValue::Many(many.iter().map(|s| s.to_string()).collect()),
        };
        pairs.iter().map(|(k, v)| (k.to_ascii_lowercase(), value(v))).collect()
    }

    fn c(operator: &str, key: &str, values: &[&str]) -> Condition {
        Condition { operator: operator.into(), key: key.into(), values: values.iter().map(|s| s.to_string()).collect() }
    }

    #[test]
    fn operators_hold_as_documented() {
        let context = cx(&[
            ("sts:ExternalId", &["secret"]),
            ("aws:MultiFactorAuthPresent", &["true"]),
            ("aws:MultiFactorAuthAge", &["300"]),
            ("aws:SourceIp", &["203.0.113.7"]),
            ("aws:PrincipalArn", &["arn:aws:iam::111111111111:role/Admin"]),
            ("aws:CurrentTime", &["2026-12-07T10:00:00Z"]),
            ("aws:username", &["alice"]),
        ]);
        let table: &[(Condition, bool)] = &[
            (c("StringEquals", "sts:ExternalId", &["secret"]), true),
            (c("StringEquals", "STS:EXTERNALID", &["secret"]), true),
            (c("StringEquals", "sts:ExternalId", &["SECRET"]), false),
            (c("StringEqualsIgnoreCase", "sts:ExternalId", &["SECRET"]), true),
            (c("StringNotEquals", "sts:ExternalId", &["other", "more"]), true),
            (c("StringNotEquals", "sts:ExternalId", &["other", "secret"]), false),
            (c("StringLike", "sts:ExternalId", &["sec*"]), true),
            (c("StringNotLike", "sts:ExternalId", &["sec*"]), false),
            (c("Bool", "aws:MultiFactorAuthPresent", &["true"]), true),
            (c("Bool", "aws:MultiFactorAuthPresent", &["false"]), false),
            (c("NumericLessThan", "aws:MultiFactorAuthAge", &["3600"]), true),
            (c("NumericGreaterThanEquals", "aws:MultiFactorAuthAge", &["300"]), true),
            (c("NumericGreaterThan", "aws:MultiFactorAuthAge", &["300"]), false),
            (c("IpAddress", "aws:SourceIp", &["203.0.113.0/24"]), true),
            (c("NotIpAddress", "aws:SourceIp", &["203.0.113.0/24"]), false),
            (c("IpAddress", "aws:SourceIp", &["198.51.100.0/24"]), false),
            (c("ArnLike", "aws:PrincipalArn", &["arn:aws:iam::*:role/Admin"]), true),
            (c("ArnNotLike", "aws:PrincipalArn", &["arn:aws:iam::*:role/BreakGlass"]), true),
            (c("DateLessThan", "aws:CurrentTime", &["2027-01-01T00:00:00Z"]), true),
            (c("DateGreaterThan", "aws:CurrentTime", &["2027-01-01"]), false),
            (c("StringEquals", "aws:PrincipalArn", &["arn:aws:iam::111111111111:role/${aws:username}"]), false),
            (c("StringLike", "sts:ExternalId", &["${aws:username}"]), false),
            (c("StringEquals", "aws:username", &["${aws:username}"]), true),
            (c("StringEquals", "aws:username", &["${aws:nothing, 'alice'}"]), true),
            // Missing keys: a positive operator fails, a negated one holds, IfExists holds.
            (c("StringEquals", "aws:PrincipalTag/team", &["x"]), false),
            (c("StringNotEquals", "aws:PrincipalTag/team", &["x"]), true),
            (c("StringEqualsIfExists", "aws:PrincipalTag/team", &["x"]), true),
            (c("StringEqualsIfExists", "sts:ExternalId", &["x"]), false),
            (c("Null", "aws:PrincipalTag/team", &["true"]), true),
            (c("Null", "sts:ExternalId", &["true"]), false),
            (c("Null", "sts:ExternalId", &["false"]), true),
            (c("NoSuchOperator", "sts:ExternalId", &["secret"]), false),
        ];
        for (condition, expected) in table {
            assert_eq!(holds(condition, &context), *expected, "{condition:?}");
        }
    }

    #[test]
    fn set_operators_quantify_over_the_request_values() {
        let context = cx(&[("aws:TagKeys", &["env", "team"])]);
        assert!(holds(&c("ForAllValues:StringEquals", "aws:TagKeys", &["env", "team", "cost"]), &context));
        assert!(!holds(&c("ForAllValues:StringEquals", "aws:TagKeys", &["env"]), &context));
        assert!(holds(&c("ForAnyValue:StringEquals", "aws:TagKeys", &["env"]), &context));
        assert!(!holds(&c("ForAnyValue:StringEquals", "aws:TagKeys", &["cost"]), &context));
        assert!(holds(&c("ForAnyValue:StringNotEquals", "aws:TagKeys", &["env"]), &context));
        assert!(!holds(&c("ForAllValues:StringNotEquals", "aws:TagKeys", &["env"]), &context));
        // A missing key: ForAllValues holds (vacuously), ForAnyValue does not.
        assert!(holds(&c("ForAllValues:StringEquals", "aws:Missing", &["x"]), &context));
        assert!(!holds(&c("ForAnyValue:StringEquals", "aws:Missing", &["x"]), &context));
        // As iam-simulate (and AWS at re:Inforce 2025): IfExists does not rescue ForAnyValue, and a
        // multivalued key under a single-valued operator matches nothing, negated or not.
        assert!(!holds(&c("ForAnyValue:NumericLessThanIfExists", "aws:Missing", &["1"]), &context));
        assert!(!holds(&c("StringEquals", "aws:TagKeys", &["env"]), &context));
        assert!(!holds(&c("StringNotEquals", "aws:TagKeys", &["cost"]), &context));
        let one = cx(&[("aws:TagKeys", &["env"])]);
        assert!(holds(&c("ForAllValues:StringEquals", "aws:TagKeys", &["env"]), &one));
    }
}
