//! Rules of the protection area: missing (typed inputs and their parsing; no I/O).
