use super::*;

#[test]
fn the_five_action_categories_come_from_the_data_file() {
    let c = parse_action_categories(UPR_ACTION_CATEGORIES_CSV).unwrap();
    let labels: Vec<(u8, &str)> = c
        .iter()
        .map(|c| (c.category, c.label_en.as_str()))
        .collect();
    // UPR Info's scale (Edward McMahon): 1 minimal action … 5 specific action.
    assert_eq!(
        labels,
        [
            (1, "Minimal action"),
            (2, "Continuing action"),
            (3, "Considering action"),
            (4, "General action"),
            (5, "Specific action"),
        ]
    );
    for cat in &c {
        for lang in ["en", "fr", "es", "ar", "ru"] {
            assert!(!cat.label(lang).is_empty());
        }
        assert!(cat.source_url.starts_with("https://upr-info.org/"));
        assert!(!cat.definition_en.is_empty());
    }
    assert_eq!(action_categories(), &c[..]);
    assert_eq!(action_category(5).unwrap().label("fr"), "Action spécifique");
    assert_eq!(action_category(0), None);
    assert_eq!(action_category(6), None);
}

#[test]
fn action_category_file_errors_name_the_line_and_field() {
    let head = ACTION_COLUMNS.join(",");
    let row = |n: &str, date: &str| format!("{n},a,b,c,d,e,def,https://x,{date}\n");
    let e = parse_action_categories(&format!(
        "{head}\n{}{}",
        row("1", "2009-12-03"),
        row("3", "2009")
    ))
    .unwrap_err();
    assert_eq!((e.line, e.field.as_deref()), (Some(3), Some("category")));
    let e = parse_action_categories(&format!("{head}\n{}", row("1", "2009"))).unwrap_err();
    assert_eq!((e.line, e.field.as_deref()), (Some(2), Some("source_date")));
    let four: String = (1..=4).map(|n| row(&n.to_string(), "2017-05")).collect();
    let e = parse_action_categories(&format!("{head}\n{four}")).unwrap_err();
    assert!(e.message.contains("the 5 categories"), "{e}");
}

#[test]
fn upr_info_issues_are_the_54_of_the_shared_exports() {
    let issues = upr_info_issues();
    assert_eq!(issues.len(), 54);
    let n = |name: &str| {
        issues
            .iter()
            .find(|i| i.issue == name)
            .map(|i| i.recommendations)
    };
    assert_eq!(n("International instruments"), Some(8401));
    assert_eq!(n("Women's rights"), Some(7492));
    assert_eq!(n("Freedom of movement"), Some(105));
    let e = parse_upr_info_issues("issue,recommendations\nA,1\nA,2\n").unwrap_err();
    assert_eq!((e.line, e.field.as_deref()), (Some(3), Some("issue")));
}

#[test]
fn sdg_target_codes_are_the_169_shipped_targets() {
    let codes = sdg_target_codes();
    assert_eq!(codes.len(), 169);
    assert!(codes.contains("16.10") && codes.contains("16.a") && !codes.contains("18.1"));
}
