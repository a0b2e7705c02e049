//! Downloads of evidence files: decrypted as they are sent (see
//! `dignity_store::filecrypt`), with a strong `ETag` (the SHA-256 of the content) and
//! single byte ranges (`Range`, `If-Range`) for video players. A range is served by
//! decrypting from the chunk that holds its first byte, not from the start.
//!
//! The answer is decrypted in steps of [`STEP`] bytes, the chunks of a step opened on
//! several cores at once (`DecReader::read_parallel`), the next step decrypted (in a
//! blocking task) while the previous one is sent: at most two steps per download are in
//! memory, whatever the file's size, and no thread waits on a slow client. Each step's
//! buffer becomes the body's `Bytes` as it is (no copy between the decryption and the
//! socket).
//!
//! A stored file that does not authenticate is never served as if good: its header and
//! length are checked, and the first chunk of the answer decrypted, before the status
//! line is sent (answers up to [`IN_MEMORY`] are decrypted whole first); a damaged chunk
//! met later ends the body with an error, so the client sees a failed transfer.

use axum::body::Bytes;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use dignity_store::violations::evidence::{self, Evidence, EvidenceFile};
use dignity_store::Store;
use std::io::{Seek, SeekFrom};

/// Answers up to this size are decrypted (and so checked) whole before they are sent.
const IN_MEMORY: u64 = 8 * 1024 * 1024;
/// Bytes decrypted per step of a streamed answer (16 chunks of 64 KiB, shared among the
/// decrypting threads).
const STEP: usize = 1024 * 1024;

/// Why a file could not be served.
#[derive(Debug)]
pub(crate) enum DownloadError {
    /// The stored file does not authenticate (altered, cut off, another key file).
    Damaged(std::io::Error),
    /// Missing, unreadable, or the server failed.
    Failed(String),
}

/// What the `Range` header asks for, given the file's size.
#[derive(Debug, PartialEq, Eq)]
enum Want {
    Whole,
    /// First and last byte, inclusive.
    Part(u64, u64),
    Unsatisfiable,
}

/// One `bytes=` range; several ranges, other units and bad syntax are answered with the
/// whole file (RFC 9110 allows a server to ignore `Range`).
fn parse_range(v: Option<&HeaderValue>, size: u64) -> Want {
    let Some(spec) = v
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.trim().strip_prefix("bytes="))
    else {
        return Want::Whole;
    };
    if spec.contains(',') {
        return Want::Whole;
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return Want::Whole;
    };
    let (a, b) = (a.trim(), b.trim());
    let num = |s: &str| -> Option<u64> {
        if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
            None
        } else {
            s.parse().ok()
        }
    };
    if a.is_empty() {
        // The last `n` bytes.
        return match num(b) {
            Some(0) => Want::Unsatisfiable,
            Some(_) if size == 0 => Want::Unsatisfiable,
            Some(n) => Want::Part(size.saturating_sub(n), size - 1),
            None => Want::Whole,
        };
    }
    let Some(first) = num(a) else {
        return Want::Whole;
    };
    let last = if b.is_empty() {
        None
    } else {
        match num(b) {
            Some(l) if l >= first => Some(l),
            _ => return Want::Whole,
        }
    };
    if first >= size {
        return Want::Unsatisfiable;
    }
    Want::Part(first, last.unwrap_or(u64::MAX).min(size - 1))
}

/// `If-Range` holds our entity tag: a range may be served. Anything else (another tag, a
/// date: we send no `Last-Modified`) asks for the whole file.
fn if_range_allows(headers: &HeaderMap, etag: &str) -> bool {
    match headers.get(header::IF_RANGE) {
        None => true,
        Some(v) => v.to_str().map(|s| s.trim() == etag).unwrap_or(false),
    }
}

fn join_err(e: tokio::task::JoinError) -> DownloadError {
    DownloadError::Failed(e.to_string())
}

fn io_err(e: std::io::Error) -> DownloadError {
    if e.kind() == std::io::ErrorKind::InvalidData {
        DownloadError::Damaged(e)
    } else {
        DownloadError::Failed(e.to_string())
    }
}

/// The next `n` bytes of `r` (fewer at the end of the file), decrypted on several cores.
fn read_up_to(r: &mut EvidenceFile, n: u64) -> std::io::Result<Vec<u8>> {
    r.read_parallel(n as usize, dignity_store::filecrypt::decrypt_threads())
}

type Step = tokio::task::JoinHandle<(EvidenceFile, std::io::Result<Vec<u8>>)>;

/// Start decrypting the next `n` bytes of `r` in a blocking task.
fn decrypt_step(r: EvidenceFile, n: u64) -> Step {
    tokio::task::spawn_blocking(move || {
        let mut r = r;
        let b = read_up_to(&mut r, n);
        (r, b)
    })
}

/// Answer a download of `ev` (the custody entry is the caller's).
pub(crate) async fn serve(
    store: &Store,
    ev: &Evidence,
    headers: &HeaderMap,
) -> Result<Response, DownloadError> {
    let (st, sha) = (store.clone(), ev.sha256.clone());
    let reader = tokio::task::spawn_blocking(move || evidence::EvidenceStore::open(&st, &sha))
        .await
        .map_err(join_err)?
        .map_err(io_err)?
        .ok_or_else(|| {
            DownloadError::Failed(format!("the content of evidence {} is missing", ev.id))
        })?;
    let size = reader.size();
    let etag = format!("\"{}\"", ev.sha256);
    let want = if if_range_allows(headers, &etag) {
        parse_range(headers.get(header::RANGE), size)
    } else {
        Want::Whole
    };
    let (status, first, len) = match want {
        Want::Whole => (StatusCode::OK, 0, size),
        Want::Part(a, b) => (StatusCode::PARTIAL_CONTENT, a, b - a + 1),
        Want::Unsatisfiable => {
            return Ok((
                StatusCode::RANGE_NOT_SATISFIABLE,
                [
                    (header::CONTENT_RANGE, format!("bytes */{size}")),
                    (header::ACCEPT_RANGES, "bytes".to_string()),
                ],
            )
                .into_response())
        }
    };
    // Decrypt the start of the answer (all of it when small) before anything is sent.
    let lead = len.min(if len <= IN_MEMORY {
        IN_MEMORY
    } else {
        STEP as u64
    });
    let (reader, head) = tokio::task::spawn_blocking(move || {
        let mut r = reader;
        r.seek(SeekFrom::Start(first))?;
        let head = read_up_to(&mut r, lead)?;
        Ok::<_, std::io::Error>((r, head))
    })
    .await
    .map_err(join_err)?
    .map_err(io_err)?;
    if (head.len() as u64) < lead {
        return Err(DownloadError::Damaged(std::io::Error::other(
            "the stored file ended early",
        )));
    }
    let body = if lead == len {
        axum::body::Body::from(head)
    } else {
        let rest = len - lead;
        let id = ev.id;
        // The next step is decrypted (in a blocking task) while the previous one is being
        // sent: decryption and the socket overlap, and no thread waits on a slow client.
        let first = futures_util::stream::once(async move { Ok(Bytes::from(head)) });
        let pending = decrypt_step(reader, rest.min(STEP as u64));
        let more = futures_util::stream::unfold(Some((pending, rest)), move |state| async move {
            let (pending, left) = state?;
            let step = left.min(STEP as u64);
            match pending.await {
                Ok((r, Ok(b))) if b.len() as u64 == step => {
                    let left = left - step;
                    let next = (left > 0).then(|| (decrypt_step(r, left.min(STEP as u64)), left));
                    Some((Ok(Bytes::from(b)), next))
                }
                Ok((_, Ok(_))) => {
                    tracing::error!(evidence = id, "evidence file ended early: download cut off");
                    Some((
                        Err(std::io::Error::other("the stored file ended early")),
                        None,
                    ))
                }
                Ok((_, Err(e))) => {
                    tracing::error!(evidence = id, error = %e, "evidence file damaged: download cut off");
                    Some((Err(e), None))
                }
                Err(e) => Some((Err(std::io::Error::other(e.to_string())), None)),
            }
        });
        use futures_util::StreamExt;
        axum::body::Body::from_stream(first.chain(more))
    };
    let mut res = (
        status,
        [
            // Both values are built from parsed types: a `MediaType` is `type/subtype` of
            // token characters, and the file name is RFC 6266/5987-encoded.
            (header::CONTENT_TYPE, ev.media_type.to_string()),
            (header::CONTENT_LENGTH, len.to_string()),
            (
                header::CONTENT_DISPOSITION,
                dignity_core::edge::content_disposition("attachment", &ev.filename),
            ),
            (header::ACCEPT_RANGES, "bytes".to_string()),
            (header::ETAG, etag),
        ],
        body,
    )
        .into_response();
    if status == StatusCode::PARTIAL_CONTENT {
        let cr = format!("bytes {first}-{}/{size}", first + len - 1);
        if let Ok(v) = HeaderValue::from_str(&cr) {
            res.headers_mut().insert(header::CONTENT_RANGE, v);
        }
    }
    Ok(res)
}

/// Answer a download of evidence file `id` for `actor`: the custody log records it as
/// downloaded, then [`serve`]; a damaged stored copy is logged and answered with `damaged`.
pub(crate) async fn content(
    store: &Store,
    actor: &dignity_core::Actor,
    id: i64,
    headers: &HeaderMap,
    damaged: crate::authz::WebError,
) -> Response {
    use crate::authz::WebError;
    match evidence::open_content(store, actor, id, "downloaded").await {
        Ok((e, _)) => match serve(store, &e, headers).await {
            Ok(r) => r,
            Err(DownloadError::Damaged(err)) => {
                tracing::error!(evidence = id, error = %err, "evidence file damaged: not served");
                damaged.into_response()
            }
            Err(DownloadError::Failed(m)) => {
                WebError::from(dignity_store::StoreError::Internal(m)).into_response()
            }
        },
        Err(e) => WebError::from(e).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str, size: u64) -> Want {
        parse_range(Some(&HeaderValue::from_str(s).unwrap()), size)
    }

    #[test]
    fn ranges() {
        assert_eq!(parse_range(None, 10), Want::Whole);
        assert_eq!(r("bytes=0-0", 10), Want::Part(0, 0));
        assert_eq!(r("bytes=2-", 10), Want::Part(2, 9));
        assert_eq!(r("bytes=2-100", 10), Want::Part(2, 9));
        assert_eq!(r("bytes=-3", 10), Want::Part(7, 9));
        assert_eq!(r("bytes=-30", 10), Want::Part(0, 9));
        assert_eq!(r("bytes=10-", 10), Want::Unsatisfiable);
        assert_eq!(r("bytes=-0", 10), Want::Unsatisfiable);
        assert_eq!(r("bytes=5-2", 10), Want::Whole);
        assert_eq!(r("bytes=0-1,4-5", 10), Want::Whole);
        assert_eq!(r("items=0-1", 10), Want::Whole);
        assert_eq!(r("bytes=x-1", 10), Want::Whole);
    }
}
