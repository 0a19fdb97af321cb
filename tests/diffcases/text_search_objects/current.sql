-- a configuration and a dictionary dropped, one kept whose mappings change in place, a dictionary whose
-- options change in place while a configuration maps to it
create text search dictionary english_stem_kept (template = snowball, language = 'english', stopwords = 'english');
create text search dictionary gone_dict (template = simple, stopwords = 'english');
create text search configuration kept (copy = pg_catalog.english);
alter text search configuration kept alter mapping for asciiword, word with english_stem_kept;
alter text search configuration kept drop mapping for email;
create text search configuration gone_cfg (copy = pg_catalog.simple);
alter text search configuration gone_cfg alter mapping for asciiword with gone_dict, simple;
comment on text search configuration kept is 'the kept one';
create table doc (id int primary key, body text);
