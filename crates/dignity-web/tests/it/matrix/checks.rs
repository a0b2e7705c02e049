//! Every route classified, and called by every persona at every confidentiality level.

use super::*;

#[tokio::test]
async fn every_route_is_classified_and_checked_for_every_role_and_level() {
    // 1. Every registered route is in the table, and every line of the table is a route.
    let (routes, errors) = scan_routes();
    assert!(errors.is_empty(), "route scanner: {errors:#?}");
    assert!(
        routes.len() > 200,
        "the scanner found only {} routes",
        routes.len()
    );
    let table: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p, _, _)| (m.to_string(), p.to_string()))
        .collect();
    let unclassified: Vec<_> = routes.difference(&table).collect();
    assert!(
        unclassified.is_empty(),
        "routes not classified in tests/it/matrix.rs ROUTES (add a line saying who may call each): {unclassified:#?}"
    );
    let stale: Vec<_> = table.difference(&routes).collect();
    assert!(
        stale.is_empty(),
        "ROUTES lines for routes that do not exist: {stale:#?}"
    );

    let w = world().await;

    // 2. The API routes are the OpenAPI document's operations.
    let doc: Value =
        serde_json::from_str(&w.call(P::Anon, "GET", "/api/v1/openapi.json").await.body).unwrap();
    let mut documented = BTreeSet::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for m in ops.as_object().unwrap().keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&m.as_str()) {
                documented.insert((m.to_uppercase(), path.clone()));
            }
        }
    }
    let api: BTreeSet<(String, String)> = routes
        .iter()
        .filter(|(_, p)| p.starts_with("/api/v1/"))
        .filter(|(m, p)| !UNDOCUMENTED_API.contains(&format!("{m} {p}").as_str()))
        .cloned()
        .collect();
    let undocumented: Vec<_> = api.difference(&documented).collect();
    let phantom: Vec<_> = documented.difference(&api).collect();
    assert!(
        undocumented.is_empty() && phantom.is_empty(),
        "API routes missing from the OpenAPI document: {undocumented:#?}; documented operations without a route: {phantom:#?}"
    );

    // 3. and 4. Every route, every persona, every level.
    let mut failures: Vec<(String, P, String)> = vec![];
    let mut calls = 0usize;
    let levels = [L::Pub, L::Unpub, L::Int, L::Conf, L::Strict, L::Mix];
    for (method, pattern, path, class) in ROUTES {
        let route = format!("{method} {pattern}");
        let mut fail = |p: P, what: String| failures.push((route.clone(), p, what));
        match class {
            Skip(_) => {}
            Open | Public | Staff(_) | Record(..) | Export(_) => {
                let kind = match class {
                    Record(k, _) | Export(k) => *k,
                    _ if path.contains("{id}") => match path {
                        p if p.contains("vio_events") => K::Event,
                        p if p.contains("pro_defenders") => K::Defender,
                        p if p.contains("pro_missing") => K::Missing,
                        _ => K::Intervention,
                    },
                    _ => K::No,
                };
                for p in P::ALL {
                    let mut targets: Vec<(Option<L>, String)> = vec![];
                    if kind == K::No {
                        targets.push((None, path.to_string()));
                    } else {
                        targets.push((None, fill(path, 987_654)));
                        for l in levels {
                            if let Some(id) = w.ids.get(&(kind, l)) {
                                targets.push((Some(l), fill(path, *id)));
                            }
                        }
                    }
                    let mut missing_status = None;
                    for (l, target) in targets {
                        let r = w.call(p, method, &target).await;
                        calls += 1;
                        let at = l.map(|l| format!(" [{}]", l.tag())).unwrap_or_default();
                        if r.status.is_server_error() {
                            fail(p, format!("{target}{at}: server error {}", r.status));
                        }
                        for c in w.forbidden(p, class, pattern) {
                            if r.body.contains(&c.text) {
                                fail(p, format!("{target}{at}: shows {}", c.text));
                            }
                        }
                        match (class, l) {
                            (Staff(min), _) if p.role() < *min && !refused(&r) => {
                                fail(p, format!("{target}: not refused ({})", r.status))
                            }
                            (Record(..) | Export(_), None) => missing_status = Some(r.status),
                            (Record(..) | Export(_), Some(l)) => {
                                let min = match class {
                                    Record(_, min) => *min,
                                    _ if l == L::Strict => CO,
                                    _ => AN,
                                };
                                let published = l == L::Pub && kind != K::Person && kind != K::Act;
                                let may = readable(p, l, published) && p != P::Anon;
                                if !readable(p, l, published) && Some(r.status) != missing_status {
                                    fail(p, format!(
                                        "{target}{at}: answers {} where a record that does not exist answers {:?}",
                                        r.status, missing_status
                                    ));
                                }
                                if may && p.role() >= min && r.status != StatusCode::OK {
                                    fail(
                                        p,
                                        format!("{target}{at}: readable, but answers {}", r.status),
                                    );
                                }
                            }
                            _ => {}
                        }
                    }
                }
            }
            Write(min, kind) => {
                for p in P::ALL {
                    let mut targets: Vec<(L, String)> = vec![];
                    if *kind == K::No {
                        if p.role() < *min {
                            targets.push((L::Int, path.to_string()));
                        }
                    } else {
                        for l in levels {
                            let Some(id) = w.ids.get(&(*kind, l)) else {
                                continue;
                            };
                            if p.role() < *min && l == L::Int
                                || p.role() >= *min && !readable(p, l, false)
                            {
                                targets.push((l, fill(path, *id)));
                            }
                        }
                    }
                    for (l, target) in targets {
                        let before = w.writes().await;
                        let r = w.call_with(p, method, &target, w.valid_body(&route)).await;
                        calls += 1;
                        let after = w.writes().await;
                        let at = if *kind == K::No {
                            String::new()
                        } else {
                            format!(" [{}]", l.tag())
                        };
                        if after != before {
                            fail(
                                p,
                                format!(
                                    "{target}{at}: WROTE ({} audit entries) answering {}",
                                    after - before,
                                    r.status
                                ),
                            );
                        } else if !refused(&r) {
                            fail(
                                p,
                                format!("{target}{at}: not refused ({} {})", r.status, r.location),
                            );
                        }
                        for c in w.forbidden(p, class, pattern) {
                            if r.body.contains(&c.text) {
                                fail(p, format!("{target}{at}: shows {}", c.text));
                            }
                        }
                    }
                }
            }
        }
    }

    // 5. Failures are exactly the known open holes (each of which must still fail).
    let known = |route: &str, p: P| {
        KNOWN_OPEN_HOLES
            .iter()
            .any(|(r, who, _)| *r == route && who.split(' ').any(|w| w == p.name()))
    };
    let unexpected: Vec<String> = failures
        .iter()
        .filter(|(r, p, _)| !known(r, *p))
        .map(|(r, p, w)| format!("{r} as {}: {w}", p.name()))
        .collect();
    let fixed: Vec<String> = KNOWN_OPEN_HOLES
        .iter()
        .flat_map(|(r, who, why)| who.split(' ').map(move |w| (r, w, why)))
        .filter(|(r, who, _)| {
            !failures
                .iter()
                .any(|(fr, p, _)| fr == *r && p.name() == *who)
        })
        .map(|(r, who, why)| format!("{r} as {who} ({why})"))
        .collect();
    eprintln!("matrix: {calls} requests, {} failures", failures.len());
    assert!(
        unexpected.is_empty() && fixed.is_empty(),
        "{} unexpected failures:\n{}\n\nKNOWN_OPEN_HOLES that no longer fail (delete them from the list):\n{}",
        unexpected.len(),
        unexpected.join("\n"),
        fixed.join("\n")
    );
}
