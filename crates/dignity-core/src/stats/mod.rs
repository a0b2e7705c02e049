//! Rules of the statistics area: record linkage and multiple systems estimation inputs,
//! typed and parsed (no I/O).

pub mod linkage;
pub mod tables;
