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

/// A second migration creating `orders`, which references `users` by `user_id`.
pub(crate) const ORDERS: (&str, &str) = (
    "002_add_orders.sql",
    "CREATE TABLE IF NOT EXISTS orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint NOT NULL
);
",
);
