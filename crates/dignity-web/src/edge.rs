//! Output built from parsed values only: redirects go to a [`LocalPath`].

use axum::response::{IntoResponse, Redirect, Response};
use dignity_core::LocalPath;

/// `303 See Other` to a same-site address. A target taken from the user (`back=`,
/// `next=`) must parse as a [`LocalPath`]; otherwise the user is sent to `fallback`.
pub fn see_other_user(target: &str, fallback: &'static str) -> Response {
    Redirect::to(LocalPath::or(target, fallback).as_str()).into_response()
}

/// `303 See Other` to an address the server built (which may hold a path segment the user
/// typed, such as an unknown code): characters that cannot stand in a `Location` header are
/// percent-encoded, and anything that is still not a same-site path goes to `/`. Never a
/// panic, never another site.
pub fn see_other(to: &str) -> Response {
    let target = match LocalPath::parse(to) {
        Ok(p) => p,
        Err(_) => {
            let mut enc = String::with_capacity(to.len());
            for b in to.bytes() {
                if b.is_ascii_graphic() && b != b'\\' {
                    enc.push(b as char);
                } else {
                    enc.push_str(&format!("%{b:02X}"));
                }
            }
            LocalPath::or(&enc, "/")
        }
    };
    Redirect::to(target.as_str()).into_response()
}
