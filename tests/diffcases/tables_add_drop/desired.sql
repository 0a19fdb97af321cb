create table a (id int primary key, note text); create table b (id int primary key, a_id int not null references a on delete cascade);
