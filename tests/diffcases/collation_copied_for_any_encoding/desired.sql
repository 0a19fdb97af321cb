create collation plain from "POSIX";
create collation bytes from "C";
create table t (id int, note text collate plain, code text collate bytes);
