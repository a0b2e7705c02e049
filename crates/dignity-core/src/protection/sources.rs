//! Rules of the protection area: sources (typed inputs and their parsing; no I/O).
