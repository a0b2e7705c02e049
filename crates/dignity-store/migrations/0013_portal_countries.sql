-- Public portal (issue 6): the country profiles an administrator has published. A profile
-- holds only public facts (ratifications, reporting, visits, recommendations and their
-- public assessments), but the portal shows only the States chosen here.
CREATE TABLE portal_countries (
    iso3 TEXT PRIMARY KEY REFERENCES countries(iso3),
    published_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    published_at TEXT NOT NULL
);
