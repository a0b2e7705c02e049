//! Every template renders in every language, with accessible markup and no missing key.

#![cfg(test)]

use super::examples::{common, examples, none};
use super::*;
use minijinja::UndefinedBehavior;

fn strict_env() -> Environment<'static> {
    let mut env = environment();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env
}

fn render_example(
    env: &Environment<'_>,
    name: &str,
    page: &Value,
    user: bool,
    admin: bool,
    lang: Lang,
) -> String {
    let flash = if admin {
        Some(("ok", "Saved."))
    } else {
        Some(("error", "Form expired."))
    };
    let path = format!("/{}", name.trim_end_matches(".html"));
    let ctx = context! { ..page.clone(), ..common(user, admin, flash, &path) };
    render(env, name, lang, ctx).unwrap_or_else(|e| panic!("{name} in {lang}: {e:#}"))
}

/// Writes every example page in every language, with the stylesheet,
/// to `$DIGNITY_DUMP_HTML` for looking at in a browser:
/// `DIGNITY_DUMP_HTML=/tmp/pages cargo test -p dignity-web dump -- --ignored`
#[test]
#[ignore]
fn dump_example_pages() {
    let Ok(dir) = std::env::var("DIGNITY_DUMP_HTML") else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(dir.join("static")).unwrap();
    std::fs::write(dir.join("static/dignity.css"), STYLESHEET).unwrap();
    let env = environment();
    let mut seen = std::collections::HashMap::new();
    for (name, page, user, admin) in examples() {
        let n = seen.entry(name).or_insert(0);
        *n += 1;
        let variant = if *n == 1 {
            String::new()
        } else {
            format!("-{n}")
        };
        for lang in Lang::ALL {
            let html = render_example(&env, name, &page, user, admin, lang).replace(
                "href=\"/static/dignity.css\"",
                "href=\"static/dignity.css\"",
            );
            let file = format!(
                "{}{variant}.{}.html",
                name.trim_end_matches(".html"),
                lang.code()
            );
            std::fs::write(dir.join(file), html).unwrap();
        }
    }
}

#[test]
fn every_template_is_exercised() {
    let examples = examples();
    for (name, src) in TEMPLATES.iter().skip(1) {
        if !src.contains("{% extends") {
            // A part of pages (`{% include %}`) or a file of macros (`{% import %}`,
            // `{% from … import … %}`): exercised by the examples of the pages that
            // include or import it.
            let uses = [
                format!("include \"{name}\""),
                format!("import \"{name}\""),
                format!("from \"{name}\" import"),
            ];
            assert!(
                TEMPLATES
                    .iter()
                    .filter(|(other, _)| other != name)
                    .any(|(_, s)| uses.iter().any(|u| s.contains(u.as_str()))),
                "{name} is included or imported by no page"
            );
            continue;
        }
        assert!(
            examples.iter().any(|e| e.0 == *name),
            "no example for {name}"
        );
    }
}

#[test]
fn every_template_renders_in_every_language_without_leaking_keys() {
    let env = strict_env();
    let en_keys: Vec<&str> = i18n::keys(Lang::En).collect();
    let groups: std::collections::BTreeSet<String> = en_keys
        .iter()
        .map(|k| format!("{}.", k.split('.').next().unwrap()))
        .collect();
    for (name, page, user, admin) in examples() {
        for lang in Lang::ALL {
            let html = render_example(&env, name, &page, user, admin, lang);
            let ctx = format!("{name} in {lang}");
            assert!(
                html.contains(&format!(
                    "<html lang=\"{}\" dir=\"{}\">",
                    lang.code(),
                    lang.dir()
                )),
                "{ctx}: html lang/dir"
            );
            for key in &en_keys {
                assert!(!html.contains(key), "{ctx}: key {key} leaked");
            }
            // A key that does not exist at all would leak as "group.something".
            let text = strip_tags(&html);
            for group in &groups {
                for (i, _) in text.match_indices(group.as_str()) {
                    let before = text[..i].chars().last();
                    let after = text[i + group.len()..].chars().next();
                    let word_start = !matches!(before, Some(c) if c.is_alphanumeric() || c == '_');
                    let keyish = after.is_some_and(|c| c.is_ascii_lowercase());
                    assert!(
                        !(word_start && keyish),
                        "{ctx}: untranslated key near {:?}",
                        &text[i..(i + 40).min(text.len())]
                    );
                }
            }
            for landmark in [
                "<header",
                "<nav class=\"main-nav\" aria-label=",
                "<main id=\"main\"",
                "<footer",
                "href=\"#main\"",
                "action=\"/lang\"",
                "<label for=\"lang-select\">",
                "name=\"back\"",
                "<link rel=\"stylesheet\" href=\"/static/dignity.css\">",
            ] {
                assert!(html.contains(landmark), "{ctx}: lacks {landmark}");
            }
            assert_eq!(html.matches("<h1").count(), 1, "{ctx}: one h1");
            // No inline JavaScript; a page may load a small same-origin script that
            // only adds to what works without it (e.g. keyboard shortcuts).
            for (i, _) in html.match_indices("<script") {
                let tag = &html[i..i + html[i..].find("</script>").unwrap_or(0)];
                assert!(
                    tag.starts_with("<script src=\"/") && tag.ends_with(" defer>"),
                    "{ctx}: no inline JavaScript"
                );
            }
            assert!(!html.contains("style=\""), "{ctx}: no inline styles");
            check_forms(&html, &ctx);
            check_labels(&html, &ctx);
            check_tables(&html, &ctx);
            check_describedby(&html, &ctx);
            assert!(!html.contains("Amina <Diallo>"), "{ctx}: escaping");
            assert!(!html.contains("<b>bold</b>"), "{ctx}: escaping");
        }
    }
}

fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Every POST form carries the CSRF token.
fn check_forms(html: &str, ctx: &str) {
    for (i, _) in html.match_indices("<form") {
        let end = html[i..].find("</form>").expect("closed form") + i;
        let form = &html[i..end];
        if form.contains("method=\"post\"") {
            assert!(
                form.contains(
                    "<input type=\"hidden\" name=\"csrf_token\" value=\"csrf-TOKEN-123\">"
                ),
                "{ctx}: POST form without csrf_token: {form}"
            );
        } else {
            assert!(
                form.contains("method=\"get\""),
                "{ctx}: form without explicit method"
            );
        }
    }
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let pat = format!(" {name}=\"");
    let start = tag.find(&pat)? + pat.len();
    let len = tag[start..].find('"')?;
    Some(&tag[start..start + len])
}

fn tags<'a>(html: &'a str, name: &str) -> Vec<&'a str> {
    let open = format!("<{name}");
    html.match_indices(&open)
        .filter(|(i, _)| html[i + open.len()..].starts_with([' ', '>']))
        .map(|(i, _)| &html[i..i + html[i..].find('>').unwrap() + 1])
        .collect()
}

/// Every visible input, select and textarea has a unique id bound to a label.
fn check_labels(html: &str, ctx: &str) {
    let mut ids = std::collections::HashSet::new();
    for tag in tags(html, "input")
        .into_iter()
        .chain(tags(html, "select"))
        .chain(tags(html, "textarea"))
    {
        if tag.contains("type=\"hidden\"") || tag.contains(" hidden") {
            continue;
        }
        let id = attr(tag, "id").unwrap_or_else(|| panic!("{ctx}: field without id: {tag}"));
        assert!(ids.insert(id), "{ctx}: duplicate id {id}");
        assert!(
            html.contains(&format!("<label for=\"{id}\">")),
            "{ctx}: no label for {id}"
        );
    }
}

fn check_tables(html: &str, ctx: &str) {
    let tables = tags(html, "table").len();
    assert_eq!(
        tables,
        html.matches("<caption").count(),
        "{ctx}: every table has a caption"
    );
    for th in tags(html, "th") {
        assert!(th.contains("scope=\""), "{ctx}: th without scope: {th}");
    }
}

/// aria-describedby and aria-labelledby point at ids on the page.
fn check_describedby(html: &str, ctx: &str) {
    for attr_name in ["aria-describedby", "aria-labelledby"] {
        let pat = format!("{attr_name}=\"");
        for (i, _) in html.match_indices(&pat) {
            let start = i + pat.len();
            let value = &html[start..start + html[start..].find('"').unwrap()];
            for id in value.split_whitespace() {
                assert!(
                    html.contains(&format!(" id=\"{id}\"")),
                    "{ctx}: {attr_name} points to missing #{id}"
                );
            }
        }
    }
}

#[test]
fn template_keys_exist_in_english() {
    for (name, source) in TEMPLATES {
        for quote in ['"', '\''] {
            let pat = format!("t({quote}");
            for (i, _) in source.match_indices(&pat) {
                let start = i + pat.len();
                let key = &source[start..start + source[start..].find(quote).unwrap()];
                if key.ends_with('.') {
                    continue; // dynamic: "role." ~ name
                }
                assert!(
                    i18n::lookup(Lang::En, key).is_some(),
                    "{name}: t({key:?}) not in en.toml"
                );
            }
        }
    }
    for r in ["public", "admin", "coordinator", "documenter", "analyst"] {
        assert!(i18n::lookup(Lang::En, &format!("role.{r}")).is_some());
    }
    for s in ["un", "coe"] {
        assert!(i18n::lookup(Lang::En, &format!("system.{s}")).is_some());
    }
}

#[test]
fn lang_and_dir_follow_the_render_language() {
    let env = environment();
    let ctx = context! { ..context! { status => 404, message => "x" }, ..common(false, false, None, "/x") };
    let html = render(&env, "error.html", Lang::Ar, ctx).unwrap();
    assert!(html.contains("<html lang=\"ar\" dir=\"rtl\">"));
    assert!(html.contains(&i18n::t(Lang::Ar, "nav.home")));
    assert!(html.contains("<option value=\"ar\" lang=\"ar\" selected>العربية</option>"));
    assert!(html.contains("<input type=\"hidden\" name=\"back\" value=\"&#x2f;x\">"));
}

#[test]
fn placeholders_are_filled_and_escaped() {
    let env = environment();
    let mut ctx = common(true, true, None, "/account");
    ctx = context! { ..context! {
        totp_enabled => true, totp_required => false, totp_setup => none(),
        recovery_codes => none(), tokens => Vec::<Value>::new(), new_token => none(),
    }, ..ctx };
    let html = render(&env, "account.html", Lang::En, ctx).unwrap();
    assert!(html.contains("Amina &lt;Diallo&gt;"), "{html}");
    assert!(!html.contains("{name}"));
}

#[test]
fn languages_default_and_admin_nav() {
    let env = environment();
    let ctx = context! {
        counts => context! { countries => 1, instruments => 2, vocabulary_terms => 3, sdg_targets => 4 },
        current_path => "/", user => none(), csrf_token => "x", flash => none(), is_admin => false, can_manage_teams => false,
    };
    let html = render(&env, "home.html", Lang::Fr, ctx).unwrap();
    for l in Lang::ALL {
        assert!(html.contains(&format!("<option value=\"{}\"", l.code())));
    }
    assert!(!html.contains("/admin/users"));
    assert!(html.contains("href=\"/login\""));
    assert!(html.contains("aria-current=\"page\""));
}

#[test]
fn unknown_kwargs_are_substituted_or_rejected_cleanly() {
    let mut env = Environment::new();
    env.add_function("t", translate);
    env.add_template(
        "x",
        "{{ t('error.locked', minutes=15) }}|{{ t('error.locked') }}",
    )
    .unwrap();
    let out = env
        .get_template("x")
        .unwrap()
        .render(context! { __dignity_lang => "fr" })
        .unwrap();
    assert!(out.contains("15"), "{out}");
    assert!(out.contains("{minutes}"), "{out}");
}
