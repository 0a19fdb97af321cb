-- Tables, a view, an index, a policy and a domain whose varchar IN lists the server prints as
-- `(col)::text = ANY ((ARRAY['a'::varchar, ...])::text[])`, made by the plan: their text reads back with the
-- cast on each element. The diff takes them as the same; so must the harness's model and fingerprint checks.
create table keep (id int);
