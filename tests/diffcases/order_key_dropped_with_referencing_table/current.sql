create table item (code int primary key, label text);
create table line (id int, code int references item, qty int, primary key (id, code));
create table keep (code int, constraint keep_code unique (code));
create table note (code int references keep (code));
