//! Wildcard matching as IAM does it: `*` any run of characters (slashes too), `?` one character.
//! Actions match case-insensitively, ARNs case-sensitively.

/// True when `value` matches `pattern` (`*`, `?`), iteratively (no recursion, linear-ish time).
pub fn glob(pattern: &str, value: &str, ignore_case: bool) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let v: Vec<char> = value.chars().collect();
    let eq = |a: char, b: char| if ignore_case { a.to_lowercase().eq(b.to_lowercase()) } else { a == b };
    let (mut pi, mut vi) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while vi < v.len() {
        if pi < p.len() && (p[pi] == '?' || (p[pi] != '*' && eq(p[pi], v[vi]))) {
            pi += 1;
            vi += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, vi));
            pi += 1;
        } else if let Some((sp, sv)) = star {
            pi = sp + 1;
            vi = sv + 1;
            star = Some((sp, sv + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// An action pattern (`sts:Assume*`, `*`) against an action (`sts:AssumeRole`).
pub fn action(pattern: &str, action: &str) -> bool {
    glob(pattern, action, true)
}

/// An ARN pattern against an ARN, part by part as AWS compares them: the six colon-separated
/// fields each matched by wildcard (a `*` in a field stays in the field, except in the last,
/// the resource, which may hold colons).
pub fn arn(pattern: &str, arn: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let p: Vec<&str> = pattern.splitn(6, ':').collect();
    let a: Vec<&str> = arn.splitn(6, ':').collect();
    if p.len() != 6 || a.len() != 6 {
        // Not an ARN on one side: only the same text matches.
        return p.len() != 6 && a.len() != 6 && glob(pattern, arn, false);
    }
    p.iter().zip(a.iter()).all(|(p, a)| glob(p, a, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_as_iam_matches_them() {
        assert!(action("sts:*", "sts:AssumeRole"));
        assert!(action("STS:assume*", "sts:AssumeRole"));
        assert!(action("*", "sts:AssumeRole"));
        assert!(action("sts:Assume?ole", "sts:AssumeRole"));
        assert!(!action("sts:Assume", "sts:AssumeRole"));
        assert!(!action("iam:*", "sts:AssumeRole"));
        assert!(arn(
            "arn:aws:iam::*:role/OrganizationAccountAccessRole",
            "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole"
        ));
        assert!(arn("arn:aws:iam::*:role/*", "arn:aws:iam::222222222222:role/path/Admin"));
        assert!(!arn(
            "arn:aws:iam::*:role/organizationaccountaccessrole",
            "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole"
        ));
        assert!(!arn("arn:aws:iam::111111111111:role/*", "arn:aws:iam::222222222222:role/Admin"));
        // A `*` in the account field does not swallow the colons after it.
        assert!(!arn("arn:aws:iam::*", "arn:aws:iam::222222222222:role/Admin"));
        assert!(glob("a*b*c", "aXXbYYc", false));
        assert!(!glob("a*b*c", "aXXbYY", false));
        assert!(glob("", "", false));
        assert!(!glob("", "x", false));
    }
}
