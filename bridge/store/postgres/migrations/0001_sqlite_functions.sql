-- The store's queries are written once, in the SQL SQLite and PostgreSQL share
-- (postgres/store-client.ts). The few SQLite functions they use exist here too, with the
-- same meaning, so no query needs a second version for them.

-- unixepoch(): the current time in whole seconds since 1970 (a column default uses it).
CREATE OR REPLACE FUNCTION unixepoch() RETURNS bigint
  LANGUAGE sql STABLE
  AS $$ SELECT floor(extract(epoch FROM clock_timestamp()))::bigint $$;
--> statement-breakpoint
-- unixepoch(time, 'subsec'): an RFC 3339 time in seconds since 1970, with the fraction.
-- Without 'subsec', whole seconds, as SQLite gives them.
CREATE OR REPLACE FUNCTION unixepoch(value text, modifier text) RETURNS double precision
  LANGUAGE sql STABLE
  AS $$
    SELECT CASE WHEN modifier = 'subsec'
      THEN extract(epoch FROM value::timestamptz)::double precision
      ELSE floor(extract(epoch FROM value::timestamptz))::double precision
    END
  $$;
