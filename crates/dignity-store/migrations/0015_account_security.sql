-- Two-factor codes are used once: the last accepted TOTP time step of each user.
ALTER TABLE users ADD COLUMN totp_last_step INTEGER;

-- Failed sign-ins, counted per (username, client address) and locked per pair, so that
-- nobody can lock an account for everyone else. `name_key` is a keyed hash of the
-- username tried (existing or not: the answer must not tell which).
CREATE TABLE login_failures (
    name_key TEXT NOT NULL,
    client TEXT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (name_key, client)
);
