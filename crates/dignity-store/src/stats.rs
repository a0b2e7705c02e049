//! Storage of record linkage and estimation in the app (issue 7).
