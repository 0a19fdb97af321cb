-- A unique key that becomes a plain index of its name while its column is renamed (an accepted rename): the
-- key names the column by its new name once the rename has run, its index still by the old one; the index is
-- built first all the same (key_handovers), under a passing name, and takes the key's name once it is gone.
create table b (id int not null, code int, constraint b_code_key unique (code));
