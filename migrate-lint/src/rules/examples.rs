//! Files the rules' examples share.

/// A first migration creating `users`, the table most examples alter.
pub(crate) const USERS: (&str, &str) = (
    "001_init.sql",
    "CREATE TABLE IF NOT EXISTS users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text,
    created_at timestamptz NOT NULL DEFAULT now()
);
",
);
