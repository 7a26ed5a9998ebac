//! A policy document as AWS accepts it: `Statement` one object or a list; `Action`, `Resource`
//! and principals a string or a list; `Condition` values strings, numbers or booleans, one or a
//! list. Read from untrusted JSON with a size bound; what cannot be read is an error, not a guess.

use serde_json::Value;

/// The biggest document read: AWS-managed policies outgrow customer ones (ReadOnlyAccess holds
/// 2,700 actions, 110 KB pretty-printed; an inline role policy is at most 10,240 characters, an SCP
/// 5,120) and URL-encoded ones can be three times as long.
const MAX_BYTES: usize = 512 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError(pub String);

impl std::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the policy cannot be read: {}", self.0)
    }
}

impl std::error::Error for PolicyError {}

/// A parsed policy.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Policy {
    pub statements: Vec<Statement>,
}

/// Values of an element: `None` when the element is absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principals {
    /// `"*"` (or `{"AWS": "*"}`).
    Any,
    /// By type (`AWS`, `Service`, `Federated`, `CanonicalUser`): the values.
    Typed(Vec<(String, Vec<String>)>),
}

/// One condition: operator (as written), key, values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub operator: String,
    pub key: String,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub sid: Option<String>,
    pub allow: bool,
    /// `Action` (`negated` false) or `NotAction` (true).
    pub actions: Vec<String>,
    pub not_action: bool,
    /// `Resource`/`NotResource`; None when neither is given (trust policies).
    pub resources: Option<Vec<String>>,
    pub not_resource: bool,
    pub principals: Option<Principals>,
    pub not_principal: bool,
    pub conditions: Vec<Condition>,
}

impl Policy {
    /// Reads a policy document (raw or URL-encoded JSON, as IAM returns trust policies).
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        if text.len() > MAX_BYTES {
            return Err(PolicyError(format!("it is longer than {MAX_BYTES} bytes")));
        }
        let trimmed = text.trim_start();
        let decoded;
        let json = if is_encoded(trimmed) {
            decoded = percent_decode(trimmed).ok_or_else(|| PolicyError("its URL encoding is broken".into()))?;
            decoded.as_str()
        } else {
            trimmed
        };
        let value: Value = serde_json::from_str(json).map_err(|err| PolicyError(format!("not JSON ({err})")))?;
        let object = value.as_object().ok_or_else(|| PolicyError("not a JSON object".into()))?;
        let statements = match object.get("Statement") {
            Some(Value::Array(items)) => items.iter().map(Statement::parse).collect::<Result<Vec<_>, _>>()?,
            Some(item @ Value::Object(_)) => vec![Statement::parse(item)?],
            Some(_) => return Err(PolicyError("Statement is neither an object nor a list".into())),
            None => return Err(PolicyError("it has no Statement".into())),
        };
        Ok(Policy { statements })
    }
}

impl Statement {
    fn parse(value: &Value) -> Result<Statement, PolicyError> {
        let object = value.as_object().ok_or_else(|| PolicyError("a statement is not an object".into()))?;
        let allow = match object.get("Effect").and_then(Value::as_str) {
            Some("Allow") => true,
            Some("Deny") => false,
            _ => return Err(PolicyError("a statement's Effect is neither Allow nor Deny".into())),
        };
        let sid = object.get("Sid").and_then(Value::as_str).map(str::to_string);
        let (actions, not_action) = match (object.get("Action"), object.get("NotAction")) {
            (Some(v), None) => (strings(v, "Action")?, false),
            (None, Some(v)) => (strings(v, "NotAction")?, true),
            _ => return Err(PolicyError("a statement needs exactly one of Action and NotAction".into())),
        };
        let (resources, not_resource) = match (object.get("Resource"), object.get("NotResource")) {
            (Some(v), None) => (Some(strings(v, "Resource")?), false),
            (None, Some(v)) => (Some(strings(v, "NotResource")?), true),
            (None, None) => (None, false),
            _ => return Err(PolicyError("a statement has both Resource and NotResource".into())),
        };
        let (principals, not_principal) = match (object.get("Principal"), object.get("NotPrincipal")) {
            (Some(v), None) => (Some(principals(v)?), false),
            (None, Some(v)) => (Some(principals(v)?), true),
            (None, None) => (None, false),
            _ => return Err(PolicyError("a statement has both Principal and NotPrincipal".into())),
        };
        let conditions = match object.get("Condition") {
            None => Vec::new(),
            Some(v) => conditions(v)?,
        };
        Ok(Statement {
            sid,
            allow,
            actions,
            not_action,
            resources,
            not_resource,
            principals,
            not_principal,
            conditions,
        })
    }
}

fn strings(value: &Value, element: &str) -> Result<Vec<String>, PolicyError> {
    let one = |v: &Value| match v {
        Value::String(s) => Ok(s.clone()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err(PolicyError(format!("{element} holds something that is not a string"))),
    };
    match value {
        Value::Array(items) => items.iter().map(one).collect(),
        other => Ok(vec![one(other)?]),
    }
}

fn principals(value: &Value) -> Result<Principals, PolicyError> {
    match value {
        Value::String(s) if s == "*" => Ok(Principals::Any),
        Value::Object(map) => {
            let mut typed = Vec::new();
            for (kind, values) in map {
                let values = strings(values, "Principal")?;
                if kind == "AWS" && values.iter().any(|v| v == "*") {
                    return Ok(Principals::Any);
                }
                typed.push((kind.clone(), values));
            }
            Ok(Principals::Typed(typed))
        }
        _ => Err(PolicyError("Principal is neither \"*\" nor an object".into())),
    }
}

fn conditions(value: &Value) -> Result<Vec<Condition>, PolicyError> {
    let operators = value.as_object().ok_or_else(|| PolicyError("Condition is not an object".into()))?;
    let mut out = Vec::new();
    for (operator, keys) in operators {
        let keys = keys.as_object().ok_or_else(|| PolicyError(format!("the condition {operator} is not an object")))?;
        for (key, values) in keys {
            out.push(Condition { operator: operator.clone(), key: key.clone(), values: strings(values, "Condition")? });
        }
    }
    Ok(out)
}

fn is_encoded(text: &str) -> bool {
    text.starts_with('%') || (!text.starts_with('{') && text.contains("%7B"))
}

/// A document as IAM returns it (URL-encoded, RFC 3986) made readable; a raw one, or one whose
/// encoding is broken, is returned as it is.
pub fn decode(text: &str) -> String {
    let trimmed = text.trim_start();
    if is_encoded(trimmed) { percent_decode(trimmed).unwrap_or_else(|| text.to_string()) } else { text.to_string() }
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}
