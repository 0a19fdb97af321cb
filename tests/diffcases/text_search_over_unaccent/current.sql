-- As MusicBrainz: a configuration over the unaccent extension's dictionary, a function naming it in a text
-- body, an index naming it. Dropping them all must drop the configuration before the extension.
create extension unaccent;
create text search configuration mb_simple (copy = pg_catalog.simple);
alter text search configuration mb_simple
  alter mapping for word, numword, hword, numhword, hword_part, hword_numpart with unaccent, simple;
create function mb_simple_tsvector(input text) returns tsvector as $$
  select to_tsvector('public.mb_simple', lower(input));
$$ language sql immutable parallel safe strict;
create table artist (id int primary key, name text not null);
create index artist_name_fts on artist using gin (to_tsvector('mb_simple'::regconfig, name));
