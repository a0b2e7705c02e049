//! Events, acts, persons, involvements, information, chains of events, relationships,
//! lenses, death penalty cases and drafts: one file per job under `records/`, re-exported
//! here so that their paths stay `violations::*` (and `violations::records::*`).

use super::*;

mod acts;
mod death_penalty;
mod drafts;
mod events;
mod information;
mod lenses;
mod persons;

pub use acts::*;
pub use death_penalty::*;
pub use drafts::*;
pub use events::*;
pub use information::*;
pub use lenses::*;
pub use persons::*;

/// Where and when an event or an act took place: the fields both carry, as entered and as
/// stored. `where_when!(with_fields! { { …, .., …, } … })` puts them at the `..` of the
/// shared list.
macro_rules! where_when {
    ($m:ident! { $($rest:tt)* }) => {
        $m! {
            {
                /// `YYYY`, `YYYY-MM`, `YYYY-MM-DD` or `~YYYY-MM-DD` (estimated); empty = unknown.
                pub start_date: String,
                pub end_date: String,
                /// ISO 3166-1 alpha-3.
                pub country: Option<String>,
                pub admin_area: String,
                pub place: String,
                /// `latitude, longitude`.
                pub coordinates: String,
            }
            $($rest)*
        }
    };
}
use where_when;

pub(super) fn s(v: &str) -> String {
    v.trim().to_string()
}

/// Where and when an event or an act took place, validated (they carry the same fields).
pub(crate) struct ValidWhereWhen {
    /// Start, its sort key, end, its sort key.
    pub dates: (String, String, String, String),
    pub country: Option<String>,
    pub admin_area: String,
    pub place: String,
    pub coords: Option<String>,
}

impl ValidWhereWhen {
    /// Validate the dates, country and coordinates; `dates` are the start and the end.
    pub(crate) fn parse(
        v: &Vocab,
        dates: (&str, &str),
        country: &Option<String>,
        admin_area: &str,
        place: &str,
        coordinates: &str,
    ) -> Result<Self> {
        Ok(ValidWhereWhen {
            dates: date_range("start_date", dates.0, "end_date", dates.1)?,
            country: v.check_country(country)?,
            admin_area: admin_area.to_string(),
            place: place.to_string(),
            coords: self::coordinates(coordinates)?,
        })
    }

    /// Bind `start_date, start_sort, end_date, end_sort, country, admin_area, place,
    /// coordinates` of row `id` of `table` as the next values of `q`, the sensitive ones
    /// encrypted.
    pub(crate) fn bind<'q>(
        &'q self,
        q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
        store: &Store,
        table: &str,
        id: i64,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
        let f = |column: &str| format!("{table}.{column}");
        q.bind(enc_keep(store, &f("start_date"), id, &self.dates.0))
            .bind(&self.dates.1)
            .bind(enc_keep(store, &f("end_date"), id, &self.dates.2))
            .bind(&self.dates.3)
            .bind(&self.country)
            .bind(enc_keep(store, &f("admin_area"), id, &self.admin_area))
            .bind(enc(store, &f("place"), id, &self.place))
            .bind(
                self.coords
                    .as_deref()
                    .and_then(|c| enc(store, &f("coordinates"), id, c)),
            )
    }
}
