//! Storage of search, dashboards, reports, portal (issue 6).
