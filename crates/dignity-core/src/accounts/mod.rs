//! Rules of the accounts area: users, roles, passwords and sessions inputs, typed and
//! parsed (no I/O).
