//! Test support: the mock Identity Center and the hermetic command builder.
pub mod mock;
