create text search dictionary words (template = snowball, language = 'english');
create text search configuration docs (parser = pg_catalog.default);
alter text search configuration docs add mapping for asciiword, word with words;
create table doc (
  id int primary key,
  body text not null,
  tsv tsvector generated always as (to_tsvector('docs'::regconfig, body)) stored,
  constraint doc_body_words check (length(to_tsvector('docs'::regconfig, body)) < 1000)
);
create index doc_fts on doc using gin (to_tsvector('docs'::regconfig, body));
create view doc_words as select id, to_tsvector('docs'::regconfig, body) as words from doc;
create function doc_match(q text) returns setof int language sql stable
begin atomic
  select id from doc where to_tsvector('docs'::regconfig, body) @@ plainto_tsquery('docs'::regconfig, q);
end;
create function doc_touched() returns trigger language plpgsql as $$ begin return new; end $$;
create trigger doc_words_changed before update on doc for each row
  when (to_tsvector('docs'::regconfig, old.body) is distinct from to_tsvector('docs'::regconfig, new.body))
  execute function doc_touched();
