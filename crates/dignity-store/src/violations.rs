//! Storage of documenting violations (issue 4).
