-- What the next migration's session holds.
CREATE TABLE IF NOT EXISTS public.seen AS
SELECT current_setting('statement_timeout') AS statement_timeout,
       current_setting('search_path') AS search_path,
       current_setting('app.flag', true) AS flag,
       current_user::text AS who;
