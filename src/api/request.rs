//! Request decoding: percent-decoding, the query string (with its check
//! against the route's documented keys), JSON bodies, and the decoded
//! [`Request`] a handler reads.

use crate::api::error::ApiError;
use crate::system::System;
use crate::term::Pid;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Percent-decodes a path segment or query value (`+` is a space in queries).
pub(crate) fn decode(s: &str, plus: bool) -> Result<String, ApiError> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match c {
            b'%' => {
                let hex = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(v) => out.push(v),
                    None => return Err(ApiError::bad(format!("bad percent-encoding in {s:?}"))),
                }
                i += 3;
            }
            b'+' if plus => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| ApiError::bad(format!("{s:?} is not UTF-8 once decoded")))
}

/// A decoded query string.
pub(crate) struct Query(BTreeMap<String, String>);

impl Query {
    pub(crate) fn parse(q: &str) -> Result<Query, ApiError> {
        let mut m = BTreeMap::new();
        for part in q.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            m.insert(decode(k, true)?, decode(v, true)?);
        }
        Ok(Query(m))
    }

    pub(crate) fn str(&self, k: &str) -> Option<&str> {
        self.0.get(k).map(|s| s.as_str())
    }

    pub(crate) fn num<T: std::str::FromStr>(&self, k: &str) -> Result<Option<T>, ApiError> {
        match self.0.get(k) {
            None => Ok(None),
            Some(v) => v
                .parse()
                .map(Some)
                .map_err(|_| ApiError::bad(format!("query parameter {k}={v:?} is not a valid number"))),
        }
    }

    pub(crate) fn bool(&self, k: &str) -> Result<Option<bool>, ApiError> {
        match self.0.get(k).map(|s| s.as_str()) {
            None => Ok(None),
            Some("true") | Some("1") | Some("") => Ok(Some(true)),
            Some("false") | Some("0") => Ok(Some(false)),
            Some(v) => Err(ApiError::bad(format!("query parameter {k}={v:?} is not true or false"))),
        }
    }

    /// Refuses parameters the route does not document (`documented` is the
    /// route's query list in the route table).
    pub(crate) fn only(&self, documented: &[(&str, &str)]) -> Result<(), ApiError> {
        for k in self.0.keys() {
            if !documented.iter().any(|(name, _)| name == k) {
                let known = if documented.is_empty() {
                    "none".to_string()
                } else {
                    documented.iter().map(|(name, _)| *name).collect::<Vec<_>>().join(", ")
                };
                return Err(ApiError::bad(format!("unknown query parameter {k:?} (known: {known})")));
            }
        }
        Ok(())
    }
}

/// Parses a JSON body into `T`; an empty body is `{}`.
pub(crate) fn body<T: DeserializeOwned>(b: &str) -> Result<T, ApiError> {
    let text = if b.trim().is_empty() { "{}" } else { b };
    serde_json::from_str(text).map_err(|e| ApiError::BadRequest {
        message: format!("bad request body: {e}"),
        at: Some((e.line(), e.column())),
    })
}

/// The body of a route that takes none: `{}` or nothing.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Empty {}

/// One request after routing: its decoded path segments, its query and
/// its body text.
pub(crate) struct Request<'a> {
    /// The path's segments after `/api/v1`, percent-decoded. The route's
    /// pattern has matched them, so a placeholder's position is known.
    pub(crate) segs: Vec<String>,
    pub(crate) query: Query,
    pub(crate) body_text: &'a str,
}

impl Request<'_> {
    /// The segment at `i` ("" past the end, which a matched route never asks for).
    pub(crate) fn seg(&self, i: usize) -> &str {
        self.segs.get(i).map_or("", |s| s.as_str())
    }

    /// The process the path names in its second segment (`{pid}` or
    /// `{name}`): a pid, a registered name, or a tree id or path.
    pub(crate) fn target(&self, sys: &System) -> Result<Pid, ApiError> {
        Ok(sys.resolve(self.seg(1))?)
    }

    /// The body as `T`.
    pub(crate) fn body<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        body(self.body_text)
    }

    /// Checks that the route takes no body (`{}` or nothing).
    pub(crate) fn no_body(&self) -> Result<(), ApiError> {
        self.body::<Empty>().map(|_| ())
    }
}
