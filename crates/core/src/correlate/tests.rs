//! Unit tests of correlation.
