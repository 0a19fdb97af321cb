-- Collations copied from "C" and "POSIX" (CREATE COLLATION ... FROM) are for any encoding (collencoding -1);
-- one written with LC_COLLATE and LC_CTYPE takes the database's. The plan copies them as they were made, and
-- one made the other way is made again (its column re-collated, its rows kept).
create collation plain (provider = libc, locale = 'POSIX');
create table t (id int, note text collate plain);
