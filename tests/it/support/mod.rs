//! Test support: the mock Identity Center and the hermetic command sandbox.
pub mod mock;
pub mod sandbox;
