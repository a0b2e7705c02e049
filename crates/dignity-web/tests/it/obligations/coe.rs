//! The Council of Europe facts on the country page (issue 17 item 3): each row says as of
//! when and links its source; a withdrawal says since when the State is no longer bound;
//! an instrument no source covers reads "no information"; the UN rows keep their source.

use super::*;

/// The `<tr>` of an instrument on the country page (its `<abbr>` starts the row).
fn instrument_row(body: &str, code: &str) -> String {
    let at = body
        .find(&format!("\">{code}</abbr>"))
        .unwrap_or_else(|| panic!("no row for {code}"));
    let start = body[..at].rfind("<tr>").unwrap();
    body[start..at + body[at..].find("</tr>").unwrap()].to_owned()
}

#[tokio::test]
async fn the_country_page_quotes_coe_facts_with_their_date_and_source() {
    for b in backends() {
        let a = app(b).await;
        a.user("dora", Role::Documenter).await;
        let mut br = Browser::new(&a.router);
        br.login("dora").await;

        let page = br.get("/obligations/countries/TUR").await;
        assert_eq!(page.status, StatusCode::OK, "{b:?}");
        let ist = instrument_row(&page.body, "ISTANBUL");
        assert!(
            ist.contains("Status as of 2022-11, per the linked source (not the Council of Europe Treaty Office itself)")
                && ist.contains("no longer bound since 2021-07-01")
                // the link to the page it was read in (minijinja escapes the slashes)
                && ist.contains("<a href=\"https:&#x2f;&#x2f;iiab.me&#x2f;kiwix&#x2f;content&#x2f;wikipedia_en_top_maxi_2022-11&#x2f;A&#x2f;Istanbul_Convention\""),
            "{b:?}: {ist}"
        );
        let fcnm = instrument_row(&page.body, "FCNM");
        assert!(
            fcnm.contains("Status as of 2016, per the linked source (not the Council of Europe Treaty Office itself)"),
            "{fcnm}"
        );

        let page = br.get("/obligations/countries/FRA").await;
        let echr = instrument_row(&page.body, "ECHR");
        assert!(
            echr.contains("Status as of 2022-03-16, per the linked source (not the Council of Europe Treaty Office itself)"),
            "{b:?}: {echr}"
        );
        // No source read covers Protocol No. 16: no information, not "not a party".
        let p16 = instrument_row(&page.body, "ECHR-P16");
        assert!(!p16.contains("per the linked source"), "{p16}");
        assert!(page
            .body
            .contains("and the Council of Europe instruments where a dated source was found"));
        // The UN rows still name the UN Treaty Collection.
        // (France's CAT: untc2015, as of 2022-08-25 in data/treaties/ratifications.csv.)
        assert!(instrument_row(&page.body, "CAT")
            .contains("Status as of 2022-08-25, UN Treaty Collection"));
    }
}
