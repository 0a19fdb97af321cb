create table np (id int, a int not null no inherit);
create table nc () inherits (np);
