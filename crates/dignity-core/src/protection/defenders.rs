//! Rules of the protection area: defenders (typed inputs and their parsing; no I/O).
