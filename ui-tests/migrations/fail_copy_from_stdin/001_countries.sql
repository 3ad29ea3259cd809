CREATE TABLE IF NOT EXISTS countries (code char(2) PRIMARY KEY, name text NOT NULL);

COPY countries (code, name) FROM stdin;
de	Germany
fr	France
\.
