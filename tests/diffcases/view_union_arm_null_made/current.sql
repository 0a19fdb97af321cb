create table released (release int primary key, country int);
create table released_nowhere (release int primary key);
