-- Down files are not checked for destructive statements: dropping is their job.
DROP TABLE IF EXISTS posts;
