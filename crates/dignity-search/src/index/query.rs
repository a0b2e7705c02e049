//! Queries on the index: the access filter, the words of a query, facet filters, and the
//! search itself with its hits, snippets and facet counts.

use super::*;

impl SearchIndex {
    /// The filter of what `actor` may read: the same rule as `authorize(actor, Read, …)`.
    pub fn access_filter(&self, actor: &Actor) -> Box<dyn Query> {
        let t = |s: String| Term::from_field_text(self.f.access, &s);
        let terms = match actor.user_id.filter(|_| actor.role != Role::Public) {
            None => vec![t("anon".into())],
            Some(uid) => {
                let mut terms = vec![t("staff".into()), t(format!("u:{uid}"))];
                terms.extend(actor.teams.iter().map(|tm| t(format!("t:{tm}"))));
                terms
            }
        };
        // A pure filter (score 0), its bit set per segment kept between queries.
        Box::new(self.filters.query(terms))
    }

    /// The query for the words of `q` (None if it has none): every word must match a
    /// title or text in some language (stemmed and folded per language) or a name (keyed
    /// tokens); a multi-word query that is a whole name scores higher.
    fn text_query(&self, keys: &Keyring, q: &str, names: bool) -> Option<Box<dyn Query>> {
        let words = analysis::query_words(q);
        let mut musts: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for w in &words {
            let mut shoulds: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            for (i, slot) in LANGS.iter().enumerate() {
                for tok in analysis::tokens(slot, w) {
                    let tq = |field| {
                        TermQuery::new(
                            Term::from_field_text(field, &tok),
                            IndexRecordOption::WithFreqs,
                        )
                    };
                    shoulds.push((
                        Occur::Should,
                        Box::new(BoostQuery::new(Box::new(tq(self.f.titles[i])), 2.0)),
                    ));
                    shoulds.push((Occur::Should, Box::new(tq(self.f.bodies[i]))));
                }
            }
            let name_tokens = if names {
                names::query_tokens(keys, w)
            } else {
                Vec::new()
            };
            for (tok, weight) in name_tokens {
                shoulds.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(
                        Box::new(TermQuery::new(
                            Term::from_field_text(self.f.names, &tok),
                            IndexRecordOption::WithFreqs,
                        )),
                        weight,
                    )),
                ));
            }
            if !shoulds.is_empty() {
                musts.push((Occur::Must, Box::new(BooleanQuery::new(shoulds))));
            }
        }
        if musts.is_empty() {
            return None;
        }
        if let Some(full) = names
            .then(|| names::full_name_token(keys, &words))
            .flatten()
        {
            musts.push((
                Occur::Should,
                Box::new(BoostQuery::new(
                    Box::new(TermQuery::new(
                        Term::from_field_text(self.f.names, &full),
                        IndexRecordOption::Basic,
                    )),
                    5.0,
                )),
            ));
        }
        Some(Box::new(BooleanQuery::new(musts)))
    }

    fn facet_filter(&self, name: &str, values: &[String]) -> Box<dyn Query> {
        let terms: Vec<Term> = values
            .iter()
            .map(|v| Term::from_facet(self.f.facets, &Facet::from_path([name, v.as_str()])))
            .collect();
        Box::new(self.filters.query(terms))
    }

    /// Everything but the facet filters: words, access, dates, changed-after.
    fn base_clauses(
        &self,
        keys: &Keyring,
        actor: &Actor,
        req: &SearchRequest,
    ) -> (Clauses, Option<Box<dyn Query>>) {
        let text = self.text_query(keys, &req.q, !req.without_names);
        let mut c: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, self.access_filter(actor))];
        // Without words the access filter alone matches everything the reader may see.
        if let Some(t) = &text {
            c.push((Occur::Must, t.box_clone()));
        }
        let range = |field, lo: Bound<i64>, hi: Bound<i64>| -> Box<dyn Query> {
            let term = |v| Term::from_field_i64(field, v);
            Box::new(ConstScoreQuery::new(
                Box::new(RangeQuery::new(lo.map(term), hi.map(term))),
                0.0,
            ))
        };
        if req.year_from.is_some() || req.year_to.is_some() {
            // The record's span ends on or after 1 January of year_from and starts on or
            // before 31 December of year_to: one bit set per segment and range, kept.
            c.push((
                Occur::Must,
                Box::new(self.filters.overlap_query(
                    "date_from",
                    "date_to",
                    req.year_from.map(|y| y as i64 * 10000 + 101),
                    req.year_to.map(|y| y as i64 * 10000 + 1231),
                )),
            ));
        }
        if let Some(s) = req.changed_after {
            c.push((
                Occur::Must,
                range(self.f.seq, Bound::Excluded(s), Bound::Unbounded),
            ));
        }
        (c, text)
    }

    /// Search as `actor`: hits, total and facet counts, all of them limited to records the
    /// actor may read. A facet with selected values is counted without its own filter (so
    /// that the other values of that facet stay choosable).
    pub fn search(
        &self,
        keys: &Keyring,
        actor: &Actor,
        req: &SearchRequest,
        facet_names: &[String],
    ) -> Result<SearchResults> {
        let searcher = self.searcher();
        let (base, text) = self.base_clauses(keys, actor, req);
        let filters: Vec<(&String, &Vec<String>)> =
            req.filters.iter().filter(|(_, v)| !v.is_empty()).collect();
        let with_filters = |skip: Option<&str>| -> BooleanQuery {
            let mut c: Vec<(Occur, Box<dyn Query>)> =
                base.iter().map(|(o, q)| (*o, q.box_clone())).collect();
            for (name, values) in &filters {
                if Some(String::as_str(name)) != skip {
                    c.push((Occur::Must, self.facet_filter(name, values)));
                }
            }
            BooleanQuery::new(c)
        };
        let query = with_filters(None);
        let plain: Vec<&str> = facet_names
            .iter()
            .filter(|n| !matches!(req.filters.get(*n), Some(v) if !v.is_empty()))
            .map(String::as_str)
            .collect();
        let limit = req.limit.clamp(1, 100);
        let (top, total, counts) = searcher.search(
            &query,
            &(
                TopDocs::with_limit(limit).and_offset(req.offset),
                Count,
                self.facet_tables.counter("facets", &plain),
            ),
        )?;
        let mut facet_map: HashMap<String, Vec<FacetValue>> = HashMap::new();
        // The 50 values with the most records (then by value), values without any left out.
        let collect = |counts: &Counts, name: &str, out: &mut HashMap<String, Vec<FacetValue>>| {
            let mut vals: Vec<FacetValue> = counts
                .get(name)
                .into_iter()
                .flatten()
                .filter(|(_, n)| **n > 0)
                .map(|(v, n)| FacetValue {
                    value: v.clone(),
                    count: *n,
                })
                .collect();
            vals.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
            vals.truncate(50);
            out.insert(name.to_string(), vals);
        };
        for n in &plain {
            collect(&counts, n, &mut facet_map);
        }
        for (name, _) in &filters {
            if !facet_names.iter().any(|n| n == *name) {
                continue;
            }
            let counts = searcher.search(
                &with_filters(Some(String::as_str(name))),
                &self.facet_tables.counter("facets", &[String::as_str(name)]),
            )?;
            collect(&counts, name, &mut facet_map);
        }
        let facets = facet_names
            .iter()
            .filter_map(|n| {
                let mut v = facet_map.remove(n)?;
                if n == "year" {
                    v.sort_by(|a, b| b.value.cmp(&a.value));
                }
                (!v.is_empty()).then(|| (n.clone(), v))
            })
            .collect();

        // Hits, with titles and snippets in the reader's language where there is one.
        let slot = lang_slot(&req.lang);
        let order: Vec<usize> = std::iter::once(LANGS.iter().position(|s| *s == slot).unwrap_or(0))
            .chain(0..LANGS.len())
            .collect();
        let mut gens: HashMap<usize, Option<SnippetGenerator>> = HashMap::new();
        let mut hits = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let d: TantivyDocument = searcher.doc(addr)?;
            let s = |field: Field| {
                d.get_first(field)
                    .and_then(|v| v.as_str())
                    .map(String::from)
            };
            let i64v = |field: Field| d.get_first(field).and_then(|v| v.as_i64());
            let mut title = s(self.f.title).unwrap_or_default();
            if let Some(t) = s(self.f.titles[order[0]]) {
                title = t;
            }
            let (mut snippet, mut snippet_html) = (String::new(), String::new());
            for &i in &order {
                if d.get_first(self.f.bodies[i]).is_none() {
                    continue;
                }
                let gen = gens.entry(i).or_insert_with(|| {
                    text.as_ref().and_then(|t| {
                        SnippetGenerator::create(&searcher, t.as_ref(), self.f.bodies[i])
                            .ok()
                            .map(|mut g| {
                                g.set_max_num_chars(200);
                                g
                            })
                    })
                });
                if let Some(g) = gen {
                    let mut sn = g.snippet_from_doc(&d);
                    if !sn.highlighted().is_empty() {
                        sn.set_snippet_prefix_postfix("<mark>", "</mark>");
                        snippet = sn.fragment().to_string();
                        snippet_html = sn.to_html();
                        break;
                    }
                }
            }
            if snippet.is_empty() {
                if let Some(b) = order.iter().find_map(|&i| s(self.f.bodies[i])) {
                    snippet = b.chars().take(200).collect();
                    snippet_html = html_escape(&snippet);
                }
            }
            hits.push(Hit {
                record_type: s(self.f.record_type).unwrap_or_default(),
                id: s(self.f.id).unwrap_or_default(),
                title,
                snippet,
                snippet_html,
                score,
                country: s(self.f.country),
                date_from: i64v(self.f.date_from).map(date_string),
                date_to: i64v(self.f.date_to).map(date_string),
            });
        }
        Ok(SearchResults {
            total: total as u64,
            hits,
            facets,
        })
    }

    /// How many records `actor` may read match `req` (no hits, no facets).
    pub fn count(&self, keys: &Keyring, actor: &Actor, req: &SearchRequest) -> Result<u64> {
        let searcher = self.searcher();
        Ok(searcher.search(&self.query(keys, actor, req), &Count)? as u64)
    }

    /// The whole query of `req` as `actor` (access, words, dates, facet filters): what
    /// [`SearchIndex::count`] counts and an export collects.
    pub(crate) fn query(&self, keys: &Keyring, actor: &Actor, req: &SearchRequest) -> BooleanQuery {
        let (mut c, _) = self.base_clauses(keys, actor, req);
        for (name, values) in req.filters.iter().filter(|(_, v)| !v.is_empty()) {
            c.push((Occur::Must, self.facet_filter(name, values)));
        }
        BooleanQuery::new(c)
    }

    /// A searcher over the last reloaded state of the index.
    /// (Cached filters of segments it no longer has are dropped.)
    pub(crate) fn searcher(&self) -> tantivy::Searcher {
        let searcher = self.reader.searcher();
        let live: Vec<tantivy::index::SegmentId> = searcher
            .segment_readers()
            .iter()
            .map(|r| r.segment_id())
            .collect();
        self.filters.retain_segments(&live);
        self.facet_tables.retain_segments(&live);
        searcher
    }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
