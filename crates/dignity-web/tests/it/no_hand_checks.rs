//! The class of holes "a handler decided access by itself" cannot come back: this test
//! reads the web layer's sources and fails when a handler compares roles by hand, defines
//! its own sign-in or error helper, or writes an error page or error JSON outside the one
//! `WebError` (`src/authz.rs`). Access is decided by the extractors of `authz.rs`
//! (`SignedIn`, `Caller`, `Allowed<G>`, `CanRead<T>`, `CanWrite<T>`, `CanExport<K>`,
//! `CsrfForm<T>`) and by `dignity_core::auth`; every failure is a `WebError`.

use std::path::{Path, PathBuf};

fn sources() -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).expect("src is readable") {
            let p = e.expect("dir entry").path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p
                .strip_prefix(&root)
                .expect("under src")
                .to_string_lossy()
                .replace('\\', "/");
            let text = std::fs::read_to_string(&p).expect("source is UTF-8");
            (name, code_of(&text))
        })
        .collect()
}

/// The code of a source file: without its unit tests (`#[cfg(test)]` to the end, or the
/// whole file when it is a test module, `#![cfg(test)]`) and without comments.
fn code_of(text: &str) -> String {
    // A unit-test module in a file of its own (`#![cfg(test)]`) is all test code.
    if text.contains("#![cfg(test)]") {
        return String::new();
    }
    let text = match text.find("#[cfg(test)]") {
        Some(i) => &text[..i],
        None => text,
    };
    text.lines()
        .map(|l| {
            let t = l.trim_start();
            if t.starts_with("//") {
                ""
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Each line of `code` that contains one of `needles` (with its line number).
fn hits(code: &str, needles: &[&str]) -> Vec<(usize, String)> {
    code.lines()
        .enumerate()
        .filter(|(_, l)| needles.iter().any(|n| l.contains(n)))
        .map(|(i, l)| (i + 1, l.trim().to_string()))
        .collect()
}

fn report(what: &str, found: Vec<String>) {
    assert!(
        found.is_empty(),
        "{what}:\n{}\n(use the extractors and WebError of src/authz.rs)",
        found.join("\n")
    );
}

#[test]
fn no_handler_compares_roles_by_hand() {
    // Comparing a role (`u.role >= Role::Documenter`, `actor.role == Role::Admin`) decides
    // access outside `dignity_core::auth`; only the authorization point and the request
    // context may look at roles.
    let allowed = ["authz.rs", "ctx.rs"];
    let comparisons = [
        ".role >",
        ".role <",
        ".role ==",
        ".role !=",
        "role >=",
        "role <=",
        " == Role::",
        " != Role::",
        " >= Role::",
        " <= Role::",
        " > Role::",
        " < Role::",
    ];
    let mut found = Vec::new();
    for (file, code) in sources() {
        if allowed.contains(&file.as_str()) {
            continue;
        }
        for (n, l) in hits(&code, &comparisons) {
            found.push(format!("{file}:{n}: {l}"));
        }
    }
    report("roles compared by hand", found);
}

#[test]
fn no_handler_refuses_a_role_by_hand() {
    // `role_may` says what a page offers (an "Edit" button, a publishing panel); refusing
    // a caller by role is an extractor's job (`MayPublish`, `MayWrite`, `Allowed<G>`),
    // done before the body is read. A refusal by hand: a `role_may` test followed by an
    // error answer.
    let mut found = Vec::new();
    for (file, code) in sources() {
        if file == "authz.rs" {
            continue;
        }
        let lines: Vec<&str> = code.lines().collect();
        for (i, l) in lines.iter().enumerate() {
            if !l.contains("role_may(") {
                continue;
            }
            let next = lines[i..lines.len().min(i + 3)].join(" ");
            if ["WebError", "Forbidden", "forbidden()", "FORBIDDEN"]
                .iter()
                .any(|e| next.contains(e))
            {
                found.push(format!("{file}:{}: {}", i + 1, l.trim()));
            }
        }
    }
    report(
        "a role refused by hand (take MayPublish, MayWrite or Allowed<G>)",
        found,
    );
}

#[test]
fn no_handler_checks_the_sign_in_by_hand() {
    // "No user: send them to sign in" is `SignedIn`'s job (or `authz::signed_in` where a
    // page also serves anonymous visitors), with its own rules for unknown tokens and a
    // two-factor enrolment due; a handler testing the request context's user by hand
    // skips them.
    let allowed = ["authz.rs", "ctx.rs"];
    let mut found = Vec::new();
    for (file, code) in sources() {
        if allowed.contains(&file.as_str()) {
            continue;
        }
        for (n, l) in hits(&code, &[".user.is_none()"]) {
            found.push(format!("{file}:{n}: {l}"));
        }
    }
    report("a sign-in checked by hand (take SignedIn)", found);
}

#[test]
fn there_is_one_sign_in_check_and_one_error_type() {
    // The helpers that each area used to carry, with their own rules.
    let helpers = [
        "fn require_user",
        "fn require_system",
        "fn require_write",
        "fn signed_in",
        "fn api_signed_in",
        "fn check_token",
        "fn check_csrf",
        "fn from_store",
        "fn err_page",
        "fn error_page",
        "fn error_response",
        "fn internal_page",
        "fn plain_error",
        "fn csrf_or_forbid",
        "fn api_check",
        "fn api_store_error",
        "fn admin_only",
        "macro_rules! auth",
    ];
    let mut found = Vec::new();
    for (file, code) in sources() {
        if file == "authz.rs" {
            continue;
        }
        for (n, l) in hits(&code, &helpers) {
            found.push(format!("{file}:{n}: {l}"));
        }
    }
    report("an access or error helper outside authz.rs", found);
}

#[test]
fn error_pages_and_error_json_are_written_only_by_web_error() {
    // The HTML error page: only `WebError::page_response` renders it.
    let mut found = Vec::new();
    for (file, code) in sources() {
        if file == "authz.rs" || file == "templates.rs" {
            continue;
        }
        for (n, l) in hits(&code, &["\"error.html\""]) {
            found.push(format!("{file}:{n}: {l}"));
        }
    }
    report("an error page written outside WebError", found);

    // The ApiError JSON: built by `error::error` (re-exported as `api::error`), called only
    // by `WebError` (`error.rs`), by the layer that rewrites axum's own rejections
    // (`api_errors.rs`) and by the full-disk answer of the outermost layer
    // (`storage_full.rs`, which runs where no handler does).
    let allowed = [
        "error.rs",
        "authz.rs",
        "api.rs",
        "api_errors.rs",
        "storage_full.rs",
    ];
    let builders = ["api::error(", "api_error(", "ErrorBody {"];
    let mut found = Vec::new();
    for (file, code) in sources() {
        if allowed.contains(&file.as_str()) {
            continue;
        }
        for (n, l) in hits(&code, &builders) {
            found.push(format!("{file}:{n}: {l}"));
        }
        // `error(status, code, message, field)` imported from `api` under its own name.
        for (n, l) in code.lines().enumerate() {
            let t = l.trim_start();
            if t.starts_with("error(") || l.contains(" error(") || l.contains("(error(") {
                found.push(format!("{file}:{}: {}", n + 1, l.trim()));
            }
        }
    }
    report("an error JSON written outside WebError", found);
}

#[test]
fn no_sql_identifier_or_record_type_is_taken_from_a_string_in_the_web_layer() {
    // Record types arrive from paths and forms as strings; they are parsed into
    // `dignity_core::RecordType` (whose table names come from a match) before they reach
    // the store. The publishable list lives on the type, not as a list of table names.
    let mut found = Vec::new();
    for (file, code) in sources() {
        for (n, l) in hits(&code, &["portal::PUBLISHABLE", "PUBLISHABLE.contains(&"]) {
            found.push(format!("{file}:{n}: {l}"));
        }
    }
    report("a record type used as a string", found);
}

#[test]
fn csrf_is_checked_only_by_the_extractors_and_the_guard() {
    // The CSRF token is checked in one place: `CsrfForm<T>` (urlencoded forms, before the
    // form is parsed), `CsrfMultipart` with `guard::csrf_guard` (uploads, before their
    // body is read) and the guard for cookie-authenticated API writes. A handler that
    // compares the token itself can check it too late (after validating or reading the
    // body) or forget it.
    let allowed = ["authz.rs", "ctx.rs", "guard.rs"];
    let checks = [
        "csrf_ok(",
        "authz::csrf(",
        "csrf_header(",
        "get(\"csrf_token\")",
        "tokens_match(&self.csrf",
    ];
    let mut found = Vec::new();
    for (file, code) in sources() {
        if allowed.contains(&file.as_str()) {
            continue;
        }
        for (n, l) in hits(&code, &checks) {
            found.push(format!("{file}:{n}: {l}"));
        }
    }
    report(
        "a CSRF check by hand (take CsrfForm<T> or CsrfMultipart)",
        found,
    );
}
