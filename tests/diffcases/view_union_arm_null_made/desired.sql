-- musicbrainz's release_event: the second arm's NULL is printed NULL::integer, which a plan making the view from
-- that text gets named int4 and printed `NULL::integer AS int4` (core/diff/deparse_drift.py): the same view
create table released (release int primary key, country int);
create table released_nowhere (release int primary key);
create view release_event as
  select release, country from (
    select release, country from released
    union all
    select release, null from released_nowhere
  ) as q;
