//! STS calls (query protocol, XML responses).
