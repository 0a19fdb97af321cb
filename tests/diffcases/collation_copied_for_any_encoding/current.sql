-- Collations copied from "C" and "POSIX" (CREATE COLLATION ... FROM) are for any encoding (collencoding -1);
-- one written with LC_COLLATE and LC_CTYPE takes the database's. The plan copies a new one as it was made; one
-- kept and made the other way is the same collation here (pg_dump writes both alike), left as it is.
create collation plain (provider = libc, locale = 'POSIX');
create table t (id int, note text collate plain);
