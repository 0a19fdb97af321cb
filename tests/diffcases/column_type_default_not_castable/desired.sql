create table account (id bigserial primary key, tries integer default 0, label text);
