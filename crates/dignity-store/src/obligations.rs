//! Storage of states' obligations and recommendations (issue 3).
