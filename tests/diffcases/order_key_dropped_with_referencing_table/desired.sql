create table item (code int, label text);
create table keep (code int);
