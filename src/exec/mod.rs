//! exec: build the child's environment (pure), then run it.
