//! Following AWS's paginated listings: one guard for every paged call, so a listing stops on its
//! last page and a paginator that would loop (the same `NextToken` again, or an absurd number of
//! pages) ends with an error instead of running forever.

use std::collections::HashSet;
use std::future::Future;

use crate::source::SourceError;

/// A listing longer than this many pages is treated as a broken paginator, not as data.
const MAX_PAGES: usize = 20_000;

/// Follows one paginated listing.
#[derive(Debug, Default)]
pub(super) struct PageGuard {
    seen: HashSet<String>,
}

impl PageGuard {
    /// `Ok(true)` when there is another page to read after a page that returned `token`.
    pub(super) fn next(&mut self, token: Option<&str>) -> Result<bool, String> {
        match token {
            None | Some("") => Ok(false),
            Some(token) if !self.seen.insert(token.to_string()) => Err(format!(
                "AWS returned the same NextToken twice ({}); stopped paging to avoid an endless loop",
                crate::text::visible(token)
            )),
            Some(_) if self.seen.len() > MAX_PAGES => Err(format!("more than {MAX_PAGES} pages; stopped paging")),
            Some(_) => Ok(true),
        }
    }

    /// [`PageGuard::next`] for `action`, a broken paginator as its `InvalidPagination` error.
    pub(super) fn follow(&mut self, token: Option<&str>, action: &'static str) -> Result<bool, SourceError> {
        self.next(token).map_err(|message| invalid_pagination(action, message))
    }
}

fn invalid_pagination(action: &'static str, message: String) -> SourceError {
    SourceError::Service { action, code: "InvalidPagination".into(), message: message.into() }
}

/// Why a paginated listing stopped short: the call failed, or the paginator misbehaved.
#[derive(Debug)]
pub(super) enum PageError<E> {
    Call(E),
    Paging(String),
}

impl<E> PageError<E> {
    /// The listing's failure as a [`SourceError`]: `call` maps a failed call, a broken paginator
    /// is `InvalidPagination` for `action`.
    pub(super) fn into_source(self, action: &'static str, call: impl FnOnce(E) -> SourceError) -> SourceError {
        match self {
            PageError::Call(err) => call(err),
            PageError::Paging(message) => invalid_pagination(action, message),
        }
    }
}

/// Reads every page: `page(token)` asks for one (`None` for the first) and answers its items and
/// its `NextToken`.
pub(super) async fn collect<T, E, F, Fut>(mut page: F) -> Result<Vec<T>, PageError<E>>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Option<String>), E>>,
{
    let mut items = Vec::new();
    let mut guard = PageGuard::default();
    let mut token = None;
    loop {
        let (more, next) = page(token.take()).await.map_err(PageError::Call)?;
        items.extend(more);
        if !guard.next(next.as_deref()).map_err(PageError::Paging)? {
            return Ok(items);
        }
        token = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_guard_follows_tokens_and_refuses_a_repeat() {
        let mut guard = PageGuard::default();
        assert_eq!(guard.next(Some("a")), Ok(true));
        assert_eq!(guard.next(Some("b")), Ok(true));
        assert!(guard.next(Some("a")).is_err());
        assert_eq!(guard.next(None), Ok(false));
        assert_eq!(guard.next(Some("")), Ok(false));
    }

    #[tokio::test]
    async fn collect_reads_every_page_and_stops_a_loop() {
        let pages = [(vec![1, 2], Some("t1")), (vec![], Some("t2")), (vec![3], None)];
        let asked = std::sync::Mutex::new(Vec::new());
        let items = collect(|token: Option<String>| {
            asked.lock().map(|mut a| a.push(token.clone())).ok();
            let index = match token.as_deref() {
                None => 0,
                Some("t1") => 1,
                _ => 2,
            };
            let (items, next) = pages[index].clone();
            async move { Ok::<_, ()>((items, next.map(str::to_string))) }
        })
        .await;
        assert_eq!(items.ok(), Some(vec![1, 2, 3]), "an empty page with a token is followed");
        let looping = collect(|_| async { Ok::<_, ()>((vec![0], Some("same".to_string()))) }).await;
        assert!(matches!(looping, Err(PageError::Paging(_))));
    }
}
