-- Names that need quotes: mixed case, reserved words, spaces, embedded quotes.
CREATE TABLE IF NOT EXISTS "Step" ("Id" int, "select" int, "a b" text, "a""b" text);
CREATE SCHEMA IF NOT EXISTS "App";
