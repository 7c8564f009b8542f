//! Lists as a `Stream` of items, with whole pages and continuation tokens available.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::stream::{BoxStream, Stream, StreamExt};

use serde::de::DeserializeOwned;

use crate::error::{Error, Result};
use crate::http::{Method, Request, StatusCode, Url};
use crate::pipeline::Pipeline;

/// A pager for a generated list operation: the first page comes from `first`, the following
/// ones from GETs on the next links (same origin only; the api-version added when missing).
pub fn paged<B, T>(
    pipeline: Pipeline,
    ctx: crate::pipeline::Context,
    endpoint: Url,
    api_version: Option<String>,
    first: Result<Request>,
    continuation_token: Option<String>,
    split: fn(B) -> Page<T>,
) -> Pager<T>
where
    B: DeserializeOwned + Send + 'static,
    T: Send + 'static,
{
    let mut first = Some(first);
    Pager::new(continuation_token, move |link: Option<String>| {
        let request = match link {
            None => first.take().unwrap_or_else(|| {
                Err(Error::poller("the first page was already requested", None))
            }),
            Some(link) => {
                crate::url_builder::next_link_url(
                    &endpoint,
                    &link,
                    api_version.as_deref().unwrap_or(""),
                )
                .map(|url| {
                    let mut url = url;
                    if api_version.is_none() {
                        // Operations without an api-version must not get one.
                        let pairs: Vec<(String, String)> = url
                            .query_pairs()
                            .filter(|(k, _)| k != "api-version")
                            .map(|(k, v)| (k.into_owned(), v.into_owned()))
                            .collect();
                        url.set_query(None);
                        for (name, value) in &pairs {
                            url.append_query_pair(name, value);
                        }
                    }
                    let mut request = Request::new(Method::GET, url);
                    request.headers.insert(
                        http::header::ACCEPT,
                        http::HeaderValue::from_static("application/json"),
                    );
                    request
                })
            }
        };
        let pipeline = pipeline.clone();
        let ctx = ctx.clone();
        async move {
            let mut request = request?;
            let raw = pipeline.send(&ctx, &mut request).await?;
            if raw.status != StatusCode::OK {
                return Err(crate::response::unexpected(raw));
            }
            let body: B = crate::response::decode_json(&raw.body)?;
            Ok(split(body))
        }
    })
}

/// One page of a list.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// The link to the next page; `None` on the last page.
    pub next_link: Option<String>,
}

impl<T> Page<T> {
    /// A token that resumes the list after this page (the next link), or `None` at the end.
    pub fn continuation_token(&self) -> Option<&str> {
        self.next_link.as_deref()
    }
}

/// A stream of every item of a list, fetching pages lazily as it is consumed. Use
/// [`Pager::into_pages`] to see whole pages and their continuation tokens.
pub struct Pager<T> {
    pages: BoxStream<'static, Result<Page<T>>>,
    current: std::vec::IntoIter<T>,
}

enum Cursor {
    Start(Option<String>),
    Next(String),
    Done,
}

impl<T: Send + 'static> Pager<T> {
    /// A pager that calls `fetch(None)` for the first page (or `fetch(Some(token))` when resuming
    /// from a continuation token) and `fetch(Some(next_link))` for each following page.
    pub fn new<F, Fut>(continuation_token: Option<String>, mut fetch: F) -> Self
    where
        F: FnMut(Option<String>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<Page<T>>> + Send + 'static,
    {
        let pages =
            futures_util::stream::unfold(Cursor::Start(continuation_token), move |cursor| {
                let request = match cursor {
                    Cursor::Start(token) => Some(fetch(token)),
                    Cursor::Next(link) => Some(fetch(Some(link))),
                    Cursor::Done => None,
                };
                async move {
                    let page = request?.await;
                    let cursor = match &page {
                        // An empty next link means the end, as does an error: a failed page is
                        // reported once and the stream ends rather than retrying forever.
                        Ok(Page {
                            next_link: Some(link),
                            ..
                        }) if !link.is_empty() => Cursor::Next(link.clone()),
                        _ => Cursor::Done,
                    };
                    Some((page, cursor))
                }
            });
        Pager {
            pages: pages.boxed(),
            current: Vec::new().into_iter(),
        }
    }

    /// The pages themselves, each with its items and continuation token.
    pub fn into_pages(self) -> BoxStream<'static, Result<Page<T>>> {
        self.pages
    }

    /// The next item, fetching the next page when the current one is used up; `None` at the
    /// end. (The pager is also a `Stream`, for `futures`' combinators; this needs none.)
    pub async fn next_item(&mut self) -> Option<Result<T>> {
        futures_util::StreamExt::next(self).await
    }

    /// Every remaining item, all pages fetched; the first error ends it.
    pub async fn collect_all(self) -> Result<Vec<T>> {
        futures_util::TryStreamExt::try_collect(self).await
    }
}

// The buffered items are never pinned, so the pager can move freely whatever `T` is.
impl<T> Unpin for Pager<T> {}

impl<T> Stream for Pager<T> {
    type Item = Result<T>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(item) = this.current.next() {
                return Poll::Ready(Some(Ok(item)));
            }
            match this.pages.poll_next_unpin(cx) {
                Poll::Ready(Some(Ok(page))) => this.current = page.items.into_iter(),
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl<T> fmt::Debug for Pager<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pager")
            .field("buffered", &self.current.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::TryStreamExt;

    #[tokio::test]
    async fn follows_next_links_and_resumes() {
        let fetch = |link: Option<String>| async move {
            let n: u32 = link.as_deref().unwrap_or("0").parse().unwrap();
            Ok(Page {
                items: vec![n * 10, n * 10 + 1],
                next_link: (n < 2).then(|| (n + 1).to_string()),
            })
        };
        let all: Vec<u32> = Pager::new(None, fetch).try_collect().await.unwrap();
        assert_eq!(all, vec![0, 1, 10, 11, 20, 21]);
        let resumed: Vec<u32> = Pager::new(Some("2".into()), fetch)
            .try_collect()
            .await
            .unwrap();
        assert_eq!(resumed, vec![20, 21]);
    }
}
