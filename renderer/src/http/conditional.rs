//! Conditional GET, once for every route that sends an ETag (cat PNGs, sprite sheets and
//! cells, chunk textures, the playground's files): `If-None-Match` is compared weakly, as
//! RFC 9110 §13.1.2 asks, by the `headers` crate; a match is a bodiless 304 that carries
//! the same validators.

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use headers::{ETag, HeaderMapExt, IfNoneMatch};

/// How long clients may keep an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// Content-addressed: the same URL never changes (`public, max-age=31536000, immutable`).
    Immutable,
    /// May change with a new binary: revalidate every time (`no-cache`).
    Revalidate,
}

impl Freshness {
    const fn header(self) -> HeaderValue {
        match self {
            Self::Immutable => HeaderValue::from_static("public, max-age=31536000, immutable"),
            Self::Revalidate => HeaderValue::from_static("no-cache"),
        }
    }
}

/// True when the request's `If-None-Match` names `etag` (or `*`); a missing or unparsable
/// header, or an unparsable `etag`, never matches.
#[must_use]
pub fn not_modified(request: &HeaderMap, etag: &HeaderValue) -> bool {
    // Most requests carry no If-None-Match: look for it before parsing our own tag.
    let Some(inm) = request.typed_get::<IfNoneMatch>() else {
        return false;
    };
    etag.to_str()
        .ok()
        .and_then(|t| t.parse::<ETag>().ok())
        .is_some_and(|tag| !inm.precondition_passes(&tag))
}

/// `body` with its validators, or 304 when the request already has it.
pub fn respond(
    request: &HeaderMap,
    etag: HeaderValue,
    freshness: Freshness,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> Response {
    let matched = not_modified(request, &etag);
    answer(matched, etag, freshness, content_type, body)
}

/// [`respond`] for a caller that has already asked [`not_modified`] (to skip producing a
/// body the client has): a bodiless 304 when `matched`, else `body`, with the validators.
pub fn answer(
    matched: bool,
    etag: HeaderValue,
    freshness: Freshness,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> Response {
    let mut h = HeaderMap::new();
    h.insert(header::CACHE_CONTROL, freshness.header());
    h.insert(header::ETAG, etag);
    if matched {
        return (StatusCode::NOT_MODIFIED, h).into_response();
    }
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    (h, body.into()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asking(inm: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in inm {
            h.append(
                header::IF_NONE_MATCH,
                HeaderValue::from_str(v).expect("ascii"),
            );
        }
        h
    }

    #[test]
    fn if_none_match_is_compared_weakly_in_lists_and_across_header_lines() {
        let etag = HeaderValue::from_static("\"abc\"");
        for matching in [
            &["\"abc\""][..],
            &["W/\"abc\""],
            &["\"x\", W/\"abc\""],
            &["\"x\"", "\"abc\""],
            &["*"],
        ] {
            assert!(not_modified(&asking(matching), &etag), "{matching:?}");
        }
        for other in [&[][..], &["\"abd\""], &["abc"], &["W/\"ab\""]] {
            assert!(!not_modified(&asking(other), &etag), "{other:?}");
        }
    }

    #[test]
    fn a_match_is_a_bodiless_304_with_the_validators_and_a_miss_is_the_body() {
        let etag = HeaderValue::from_static("\"abc\"");
        let hit = respond(
            &asking(&["W/\"abc\""]),
            etag.clone(),
            Freshness::Immutable,
            "image/png",
            Bytes::from_static(b"png"),
        );
        assert_eq!(hit.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(hit.headers()[header::ETAG], etag);
        assert!(hit.headers().get(header::CONTENT_TYPE).is_none());
        let miss = respond(
            &asking(&["\"zzz\""]),
            etag,
            Freshness::Revalidate,
            "text/css",
            Bytes::from_static(b"body"),
        );
        assert_eq!(miss.status(), StatusCode::OK);
        assert_eq!(miss.headers()[header::CACHE_CONTROL], "no-cache");
        assert_eq!(miss.headers()[header::CONTENT_TYPE], "text/css");
    }
}
