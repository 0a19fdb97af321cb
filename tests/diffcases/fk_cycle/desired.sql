create table x (id int primary key, y_id int); create table y (id int primary key, x_id int references x); alter table x add foreign key (y_id) references y;
