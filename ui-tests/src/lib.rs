//! Compile-fail and compile-pass cases of `embed_migrations!` live in `tests/`.
