//! Storage of defenders and missing persons (issue 5).
