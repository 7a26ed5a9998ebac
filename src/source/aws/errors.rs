//! One mapping from what the SDK returns to words for a person. AWS's answers are its code and
//! message (shown visibly by whoever prints them); a failure with no answer (a network fault, a
//! credentials provider that could not load) is the chain of its causes' own words, each cause that
//! prints Rust debug text (`ProviderError(ProviderError { … })`, `Response { … }`) cut before it,
//! so no debug dump ever reaches a user.

use std::error::Error;

/// The readable causes of `err`, outermost first, joined with `: `; a cause that only repeats an
/// earlier one is left out.
pub fn chain(err: &(dyn Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current: Option<&(dyn Error + 'static)> = Some(err);
    while let Some(cause) = current {
        let text = readable(&cause.to_string());
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = cause.source();
    }
    if parts.is_empty() { "no further detail".to_string() } else { parts.join(": ") }
}

/// A failed call to `service:action` in one clause: AWS's code and message (made visible), or
/// the transport's fault.
pub fn call_failed<E>(
    service: &str,
    action: &str,
    err: &aws_smithy_runtime_api::client::result::SdkError<
        E,
        aws_smithy_runtime_api::client::orchestrator::HttpResponse,
    >,
) -> String
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + Error + 'static,
{
    use aws_smithy_types::error::metadata::ProvideErrorMetadata;
    match err.code() {
        Some(code) => {
            format!("{service}:{action} failed ({code}: {})", crate::text::visible(err.message().unwrap_or_default()))
        }
        None => format!("{service}:{action} could not reach AWS ({})", chain(err)),
    }
}

/// `text` up to the first piece of Rust debug text in it: a CamelCase name directly followed by
/// `(` or ` {` (`ProviderError(`, `ServiceError {`, `Os {`), with what led into it (` (`, `: `).
pub fn readable(text: &str) -> String {
    let cut = debug_start(text).unwrap_or(text.len());
    text[..cut].trim_end_matches([' ', '(', ':', ',', '-']).trim().to_string()
}

fn debug_start(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        let starts_word = bytes[at].is_ascii_uppercase() && (at == 0 || !bytes[at - 1].is_ascii_alphanumeric());
        if starts_word {
            let end = at + bytes[at..].iter().take_while(|b| b.is_ascii_alphanumeric() || **b == b'_').count();
            let word = &text[at..end];
            let camel = word.chars().skip(1).any(|c| c.is_ascii_lowercase()) && word.len() > 1;
            let rest = &text[end..];
            if camel && (rest.starts_with('(') || rest.starts_with(" {")) {
                return Some(at);
            }
            at = end.max(at + 1);
        } else {
            at += 1;
        }
    }
    None
}

/// The debug text that must never reach a user, for the tests that say so.
pub const DEBUG_MARKERS: [&str; 8] = [
    "ServiceError {",
    "Response {",
    "ProviderError(",
    "SdkBody",
    "DispatchFailure(",
    "ConstructionFailure(",
    "Os {",
    "TimeoutError(",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_text_is_cut_and_words_are_kept() {
        let sso = "failed to load the cached SSO token (ProviderError(ProviderError { source: FailedToLoadToken { source: IoError { what: \"read\" } } }))";
        assert_eq!(readable(sso), "failed to load the cached SSO token");
        assert_eq!(
            readable("dispatch failure: io error: Connection refused (os error 111)"),
            "dispatch failure: io error: Connection refused (os error 111)"
        );
        assert_eq!(
            readable("service error: ServiceError { source: X, raw: Response { status: 500 } }"),
            "service error"
        );
        assert_eq!(
            readable("AccessDenied: User arn:aws:iam::1:user/Bob is not authorized"),
            "AccessDenied: User arn:aws:iam::1:user/Bob is not authorized"
        );
        for marker in DEBUG_MARKERS {
            assert!(!readable(&format!("words {marker} {{ x: 1 }}")).contains(marker), "{marker}");
        }
    }

    #[test]
    fn the_chain_keeps_each_cause_once() {
        #[derive(Debug)]
        struct Layer(&'static str, Option<Box<Layer>>);
        impl std::fmt::Display for Layer {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.0)
            }
        }
        impl Error for Layer {
            fn source(&self) -> Option<&(dyn Error + 'static)> {
                self.1.as_deref().map(|l| l as &(dyn Error + 'static))
            }
        }
        let inner = Layer("No such file or directory (os error 2)", None);
        let middle =
            Layer("failed to load the cached SSO token (ProviderError(ProviderError { }))", Some(Box::new(inner)));
        let outer = Layer(
            "an error occurred while loading credentials",
            Some(Box::new(Layer("an error occurred while loading credentials", Some(Box::new(middle))))),
        );
        assert_eq!(
            chain(&outer),
            "an error occurred while loading credentials: failed to load the cached SSO token: No such file or directory (os error 2)"
        );
    }
}
